from marrowtrack.core.nav import NavItem

NAV_ITEMS = [
    NavItem("Lab", "lab:queue", "lab.view_container", "lab"),
    NavItem("Traceability", "lab:trace", "lab.view_traceability", "lab-trace", True),
]
