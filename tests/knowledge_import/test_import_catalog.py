"""The sample imported into a copy with fewer phrasings (`copy_trimmed`: the point is the import, not how well the
whole knowledge understands people, and the fit takes seconds) and loaded into SQLite: the resolver finds an imported
affair from its FAQ, the dialogue gives its materials and its imported hall, and a merged affair still asks its
hand-written situation questions."""

from __future__ import annotations

import pytest
from import_helpers import SAMPLE_JSON, affair_id, run_cli, sample

from bot.catalog.db import engine_for
from bot.catalog.provider import CatalogProvider, Snapshot
from bot.dialogue import answers as A
from bot.dialogue import turns as T
from bot.knowledge.load import load_knowledge
from tests.trimmed_knowledge import copy_trimmed

HOTLINE = "12345"
WORKSHOP = "食品小作坊登记"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Snapshot:
    """The sample imported into a trimmed copy, loaded into a fresh SQLite file, with the resolver built over it
    (once)."""
    root = copy_trimmed(tmp_path_factory.mktemp("imported-trimmed") / "knowledge")
    code, output = run_cli("knowledge", "import", str(SAMPLE_JSON), "--dir", str(root))
    assert code == 0, output
    engine = engine_for(f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.db'}")
    report = load_knowledge(root, engine)
    assert report.changed
    return CatalogProvider(engine, interval=0).current()


def _rows(name: str) -> tuple[dict, list[dict], list[dict]]:
    data = sample()
    row = next(r for r in data["基本信息"] if r["事项名称"] == name)
    code = row["实施编码"]
    return (row, [m for m in data["申请材料"] if m["实施编码"] == code],
            [f for f in data["常见问题"] if f["实施编码"] == code])


@pytest.mark.parametrize("name", [WORKSHOP, "护士执业注册", "住房公积金缴存证明出具"])
def test_an_imported_affair_resolves_from_its_faq_question(snapshot, name):
    _, _, faq = _rows(name)
    result = snapshot.resolver.resolve(faq[0]["问题"])
    assert result.affair == affair_id(name), result.as_json()


def test_the_dialogue_gives_the_imported_materials_and_hall(snapshot):
    _, materials, faq = _rows(WORKSHOP)
    turn = T.understand(snapshot, T.State(), faq[0]["问题"], "ask_materials", None, HOTLINE)
    assert turn.state.affair == affair_id(WORKSHOP)
    state = T.take_district(snapshot, turn.state, "宁波市鄞州区").state
    assert T.required_slots(snapshot, state) == []
    text = T.full_answer(snapshot, state, HOTLINE).replies[0].text
    assert text.startswith(f"【{WORKSHOP}】市场监管")
    for number, material in enumerate(materials, 1):
        assert f"{number}. {material['材料名称']}：" in text
    assert "办理地点：宁波市鄞州区市场监督管理局登记窗口" in text
    assert "承诺10个工作日内办结" in text
    assert "尚未与官方办事指南逐项核对" in text  # an import is not a check


def test_a_merged_affair_keeps_asking_its_situations(snapshot):
    affair = snapshot.catalog.affairs["marriage-registration"]
    assert [q.id for q in affair.situations] == ["marital_history", "divorce_way", "id_card_status"]
    answers = {"marital_history": "remarried", "divorce_way": "court", "id_card_status": "valid"}
    place = snapshot.catalog.places["330106"]
    text = A.affair_answer(snapshot.catalog, affair, answers, place, HOTLINE).text
    assert "法院离婚判决书或调解书（含生效证明）" in text  # a hand-written `when` material
    assert "居民户口簿" in text.split("以下无需提供")[1]  # still exempt
    assert "近期2寸半身免冠双人合影照片：原件3份" in text  # an imported material
    match = snapshot.catalog.office_for(affair, place)
    assert match.office.id == "hz-330106-marriage-registration" and match.own_district
