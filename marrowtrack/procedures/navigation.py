from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem(
        "Procedure day", "procedures:board", "procedures.view_procedureencounter", "procedures"
    ),
]
