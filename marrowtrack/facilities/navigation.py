from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem(
        "Rooms and equipment", "facilities:overview", "facilities.change_equipment", "facilities"
    ),
]
