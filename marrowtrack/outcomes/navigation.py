from marrowtrack.core.nav import NavItem

NAV_ITEMS = [NavItem("Outcomes", "outcomes:dashboard", "outcomes.view_followup", "outcomes")]
