from marrowtrack.procedures.states import ProcedureState as S


def test_a_procedure_day_walks_from_check_in_to_discharge(encounter, walk) -> None:
    walk(encounter, S.DISCHARGED)
    assert encounter.state == "discharged"
    assert encounter.steps.count() == 14
