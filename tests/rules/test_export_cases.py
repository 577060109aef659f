"""export_cases (contract section 6): one row per warning and violation, sorted, six decimals."""
import csv
import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cases.evaluation import rules_evaluate
from cases.services import SYSTEM, violation_notice_delivered, violation_record, violation_uphold_lapsed

HEADER = "kind,merchant_id,product_id,risk_point,window_start,window_end,value,threshold,state"


def export(tmp_path):
    out = tmp_path / "cases.csv"
    call_command("export_cases", "--out", str(out), stdout=io.StringIO())
    return out.read_text(encoding="utf-8")


def test_an_empty_export_is_just_the_header(db, tmp_path):
    assert export(tmp_path) == HEADER + "\n"


def test_rows_are_sorted_by_merchant_risk_point_kind_and_window_end(
    make_merchant, make_metric, complaints_on, as_of, tmp_path
):
    make_merchant("m2")
    make_metric("m2", as_of, paid=1000, complaints=45)  # warning only
    complaints_on(as_of - timedelta(days=10), 10, merchant_id="m1", product_id="p1")
    rules_evaluate(as_of - timedelta(days=10))
    complaints_on(as_of, 10, merchant_id="m1", product_id="p1")
    complaints_on(as_of, 5, merchant_id="m1", product_id="p0")
    complaints_on(as_of, 3, merchant_id="m1", product_id="p2", reason="service_not_provided")
    rules_evaluate(as_of)

    lines = export(tmp_path).splitlines()
    day, back = as_of.isoformat(), (as_of - timedelta(days=10)).isoformat()
    start, back_start = (as_of - timedelta(days=2)).isoformat(), (as_of - timedelta(days=12)).isoformat()
    assert lines == [
        HEADER,
        f"violation,m1,p1,clustered_complaints,{back_start},{back},10.000000,10.000000,pending",
        f"violation,m1,p1,clustered_complaints,{start},{day},10.000000,10.000000,pending",
        f"warning,m1,p0,clustered_complaints,{start},{day},5.000000,5.000000,open",
        f"violation,m1,,service_not_provided,{(as_of - timedelta(days=6)).isoformat()},{day},3.000000,3.000000,pending",
        f"warning,m2,,complaint_rate,{(as_of - timedelta(days=29)).isoformat()},{day},0.045000,0.040000,open",
    ]


def test_a_case_without_a_measure_has_empty_value_and_threshold(make_merchant, as_of, tmp_path):
    make_merchant("a", entity_id="E1")
    make_merchant("b", entity_id="E1")
    violation = violation_record(merchant_id="a", risk_point="complaint_rate", window_start=as_of - timedelta(days=36),
                                 window_end=as_of - timedelta(days=7), value="0.1", threshold="0.05",
                                 explanation={"v": 1}, as_of=as_of, actor=SYSTEM)
    violation_notice_delivered(violation_id=violation.pk, at=timezone.now(), channel="email")
    violation_uphold_lapsed(now=timezone.now() + timedelta(days=30))
    rules_evaluate(as_of)
    rows = list(csv.DictReader(io.StringIO(export(tmp_path))))
    (related,) = [r for r in rows if r["risk_point"] == "related_entity"]
    assert (related["merchant_id"], related["value"], related["threshold"], related["state"]) == ("b", "", "", "open")
    (upheld,) = [r for r in rows if r["kind"] == "violation"]
    assert (upheld["value"], upheld["threshold"], upheld["state"]) == ("0.100000", "0.050000", "upheld")
