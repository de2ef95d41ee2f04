from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem("Facilities", "facilities:overview", "facilities.change_equipment", "facilities"),
]
