"""Several annotators against the real Label Studio: overlap, agreement, adjudication, report.

Two annotator users are created through Label Studio's own sign-up form (as a person with
the invite link would) and submit their annotations through the API with their own keys.
They agree on two of three tasks and disagree on the third; the expected figures are
counted by hand below.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotegold.articles.ingest import Article
from quotegold.cli.main import app
from quotegold.errors import LabelStudioError, QuotegoldError
from quotegold.gold.results import record_to_results
from quotegold.labelstudio import Annotator, LabelStudioClient
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.workflows.push import push_articles

runner = CliRunner()
PASSWORD = "correct horse battery"

# 0 Ann 1 Lee 2 said 3 we 4 must 5 fight 6 terror 7 . 8 Talks 9 went 10 well 11 . ...
TEXTS = [f"Ann Lee said we must fight terror. Talks went well. Day {n}." for n in (1, 2, 3)]


def at(text: str, surface: str) -> dict[str, Any]:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface), "text": surface}


def annotated(
    text: str,
    *,
    quote: str = "we must fight terror",
    quote_type: str = "direct",
    stance: str = "oppose",
    name: str = "Ann Lee",
    with_cue: bool = True,
) -> list[dict[str, Any]]:
    """Label Studio results: a speaker, maybe a cue, and one quote said by the speaker."""
    record = {
        "text": text,
        "speakers": [{"id": "s1", **at(text, "Ann Lee"), "name": name, "kind": "person"}],
        "cues": [{"id": "c1", **at(text, "said")}] if with_cue else [],
        "quotes": [
            {
                "id": "q1",
                "spans": [at(text, quote)],
                "text": quote,
                "quote_type": quote_type,
                "speaker_id": "s1",
                "no_speaker": False,
                "cue_id": "c1" if with_cue else None,
                "stance": stance,
                "stance_target": None if stance == "neutral" else "security",
            }
        ],
        "initiatives": [],
    }
    return record_to_results(record)


# What each annotator submits on each task. They disagree on the third only: annotator B
# leaves "terror" out of the quote, marks no cue, reads the stance as support and names the
# speaker "Lee".
FIRST = [
    annotated(TEXTS[0]),
    annotated(TEXTS[1], quote_type="indirect", stance="neutral"),
    annotated(TEXTS[2]),
]
SECOND = [
    FIRST[0],
    FIRST[1],
    annotated(TEXTS[2], quote="we must fight", stance="support", name="Lee", with_cue=False),
]

# Hand calculation, the pair of annotators over the three tasks (F1 = 2 · matched / regions):
EXPECTED_LAYERS = {
    # 3 + 3 mentions, all the same
    "SPEAKER": {"regions": 6, "matched_exact": 3, "f1_exact": 1.0, "f1_overlap": 1.0},
    # 3 + 2 cues, 2 matched: 4 / 5
    "CUE": {"regions": 5, "matched_exact": 2, "f1_exact": 0.8, "f1_overlap": 0.8},
    # 3 + 3 quotes; exactly the same on tasks 1 and 2: 4 / 6; by token overlap all three
    "QUOTE": {"regions": 6, "matched_exact": 2, "f1_exact": 4 / 6, "f1_overlap": 1.0},
}
# Quote tokens: 4 + 4 + 4 against 4 + 4 + 3 ("terror" left out), 11 shared: 22 / 23.
EXPECTED_QUOTE_TOKENS = 22 / 23
# Same speaker on tasks 1 and 2 ("Ann Lee"), not on 3 ("Lee"): 2 of 3.
EXPECTED_SAID_BY = {"quote_pairs": 3, "same_speaker": 2, "agreement": 2 / 3}
# Alpha, units = the three quotes, n = 6 values:
# stance (oppose, oppose), (neutral, neutral), (oppose, support): o_os = o_so = 1;
#   n_o = 3, n_n = 2, n_s = 1: 1 - 5 · 2 / (2 · (3·2 + 3·1 + 2·1)) = 1 - 10 / 22 = 6 / 11
# quote type (direct, direct), (indirect, indirect), (direct, direct): no disagreement: 1
# speaker (ann lee, ann lee) twice, (ann lee, lee): o_al = o_la = 1; n_a = 5, n_l = 1:
#   1 - 5 · 2 / (2 · 5 · 1) = 0
EXPECTED_ALPHA = {"stance": 6 / 11, "quote_type": 1.0, "speaker_name": 0.0}


@pytest.fixture
def server_env(label_studio: ServerInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTEGOLD_DATA_DIR", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)


def new_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
def annotators(client: LabelStudioClient) -> list[Annotator]:
    """Two real annotator users, made through the sign-up form, with their own API keys."""
    return [client.sign_up(new_email(who), PASSWORD) for who in ("ann", "bob")]


def submit(client: LabelStudioClient, who: Annotator, task_id: int, result: Any) -> int:
    with LabelStudioClient(url=client.url, api_key=who.api_key) as theirs:
        return theirs.create_annotation(task_id, result)


def by_article(client: LabelStudioClient, project_id: int) -> dict[str, dict[str, Any]]:
    return {task["data"]["article_id"]: task for task in client.iter_tasks(project_id)}


def check_figures(figures: dict[str, Any], first: str, second: str) -> None:
    for layer, expected in EXPECTED_LAYERS.items():
        found = figures["layers"][layer]
        assert {key: found[key] for key in expected} == pytest.approx(expected), layer
    assert figures["layers"]["QUOTE"]["f1_tokens"] == pytest.approx(EXPECTED_QUOTE_TOKENS)
    assert figures["relations"]["said_by"] == pytest.approx(EXPECTED_SAID_BY)
    alpha = {name: value["alpha"] for name, value in figures["alpha"].items()}
    assert alpha == pytest.approx(EXPECTED_ALPHA)
    assert {value["units"] for value in figures["alpha"].values()} == {3}
    pair = figures["pairs"][f"{first} \u00d7 {second}"]
    assert pair["tasks"] == 3 and pair["QUOTE f1_exact"] == pytest.approx(4 / 6)
    for name in (first, second):
        assert figures["annotators"][name]["tasks"] == 3
        assert figures["annotators"][name]["said_by"] == pytest.approx(2 / 3)


@pytest.mark.usefixtures("server_env")
def test_two_annotators_agreement_adjudication_and_report(
    client: LabelStudioClient, title: str, annotators: list[Annotator], tmp_path: Path
) -> None:
    ann, bob = annotators
    articles = [Article(id=f"day-{n}", text=text) for n, text in enumerate(TEXTS, start=1)]
    pushed = push_articles(client, articles, project_title=title, annotators_per_task=2)
    assert pushed.project.annotators_per_task == 2
    project_id = pushed.project.id
    task_ids = [by_article(client, project_id)[article.id]["id"] for article in articles]

    # Label Studio waits for the second annotator before a task counts as labelled.
    first_ids = [submit(client, ann, t, r) for t, r in zip(task_ids, FIRST, strict=True)]
    tasks = by_article(client, project_id)
    assert [tasks[a.id]["overlap"] for a in articles] == [2, 2, 2]
    assert not any(tasks[a.id]["is_labeled"] for a in articles)
    second_ids = [submit(client, bob, t, r) for t, r in zip(task_ids, SECOND, strict=True)]
    tasks = by_article(client, project_id)
    assert all(tasks[a.id]["is_labeled"] for a in articles)
    # each annotation is the annotator's own
    for article in articles:
        assert sorted(a["completed_by"] for a in tasks[article.id]["annotations"]) == sorted(
            [ann.id, bob.id]
        )

    # Agreement, with a hand calculation; annotators shown by their email.
    figures_file = tmp_path / "agreement.json"
    measured = runner.invoke(app, ["agreement", "--project", title, "--json", str(figures_file)])
    assert measured.exit_code == 0, measured.stderr
    figures = json.loads(figures_file.read_text("utf-8"))
    check_figures(figures, ann.email, bob.email)
    assert "3 of 3 task(s) annotated by two annotators or more" in measured.stdout
    assert "0.667" in measured.stdout and "0.545" in measured.stdout

    # The conflict, with its link and what they disagree on.
    disputed = task_ids[2]
    link = f"{client.url}/projects/{project_id}/data?task={disputed}"
    listed = runner.invoke(app, ["adjudicate", "--project", title])
    assert listed.exit_code == 0, listed.stderr
    assert "1 task(s) in conflict" in listed.stdout
    assert link in listed.stdout
    assert "name of SPEAKER 0-7: Lee" in listed.stdout and "vs Ann Lee" in listed.stdout
    assert f"QUOTE 13-33 only in annotation {first_ids[2]}" in listed.stdout
    assert f"QUOTE 13-26 only in annotation {second_ids[2]}" in listed.stdout
    assert f"annotations {second_ids[2]}, {first_ids[2]}" in listed.stdout

    # The adjudicator first takes ann's version, then changes their mind: bob's.
    client.set_ground_truth(first_ids[2])
    accepted = runner.invoke(
        app, ["adjudicate", "--project", title, "--accept", str(second_ids[2])]
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert f"ground truth of task {disputed}: {link}" in accepted.stdout
    assert f"no longer ground truth: annotation(s) {first_ids[2]}" in accepted.stdout
    stored = {a["id"]: a["ground_truth"] for a in client.list_annotations(disputed)}
    assert stored == {first_ids[2]: False, second_ids[2]: True}
    after = runner.invoke(app, ["adjudicate", "--project", title])
    assert "0 task(s) in conflict" in after.stdout

    # The export takes the adjudicated version and carries the agreement.
    out = tmp_path / "exports" / "overlap"
    exported = runner.invoke(app, ["export", "--project", title, "--out", str(out)])
    assert exported.exit_code == 0, exported.stderr
    gold = {
        record["id"]: record
        for record in map(json.loads, (out / "gold.jsonl").read_text("utf-8").splitlines())
    }
    assert set(gold) == {"day-1", "day-2", "day-3"}
    (quote,) = gold["day-3"]["quotes"]
    assert (quote["text"], quote["stance"]) == ("we must fight", "support")
    assert gold["day-3"]["speakers"][0]["name"] == "Lee" and gold["day-3"]["cues"] == []
    assert gold["day-3"]["provenance"]["annotation_ids"] == [second_ids[2]]
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["conflicts"] == []
    # the export has no emails: annotators are shown by user id
    check_figures(report["agreement"], f"annotator {ann.id}", f"annotator {bob.id}")
    assert ann.email not in (out / "README.md").read_text("utf-8")
    assert "| QUOTE | 6 | 0.667 | 1.000 |" in (out / "README.md").read_text("utf-8")

    # The HTML report shows the agreement section with those figures.
    shown = runner.invoke(app, ["report", str(out)])
    assert shown.exit_code == 0, shown.stderr
    html = (out / "report.html").read_text("utf-8")
    assert 'id="agreement"' in html
    assert "<td>QUOTE</td><td>6</td><td>2</td><td>0.667</td><td>3</td><td>1.000</td>" in html
    assert "<td>CUE</td><td>5</td><td>2</td><td>0.800</td>" in html
    assert "<td>stance</td><td>0.545</td><td>3</td><td>6</td>" in html
    assert "<td>said_by</td><td>3</td><td>2</td><td>0.667</td>" in html


def test_annotators_per_task_on_an_existing_project(client: LabelStudioClient, title: str) -> None:
    articles = [Article(id="one", text=TEXTS[0])]
    first = push_articles(client, articles, project_title=title)
    assert first.project.annotators_per_task == 1 and not first.overlap_updated
    raised = push_articles(client, articles, project_title=title, annotators_per_task=3)
    assert raised.overlap_updated and raised.project.annotators_per_task == 3
    (stored,) = client.iter_tasks(raised.project.id)
    assert stored["overlap"] == 3  # existing tasks follow the new setting
    kept = push_articles(client, articles, project_title=title)
    assert not kept.overlap_updated and kept.project.annotators_per_task == 3


def test_accept_refuses_an_annotation_of_another_project(
    client: LabelStudioClient, title: str
) -> None:
    from quotegold.workflows.team import accept_annotation

    here = push_articles(client, [Article(id="here", text=TEXTS[0])], project_title=title)
    there = push_articles(
        client, [Article(id="there", text=TEXTS[0])], project_title=f"{title} other"
    )
    annotation = client.create_annotation(there.task_ids[0], FIRST[0])
    with pytest.raises(LabelStudioError, match="belongs to project"):
        accept_annotation(client, annotation, project=here.project)
    skipped = client.create_annotation(here.task_ids[0], [], was_cancelled=True)
    with pytest.raises(QuotegoldError, match="is a skip"):
        accept_annotation(client, skipped, project=here.project)


# -- annotator accounts --------------------------------------------------------------------


def test_sign_up_then_log_in(client: LabelStudioClient) -> None:
    email = new_email("cat")
    made = client.sign_up(email, PASSWORD)
    assert made.email == email and PASSWORD not in repr(made) and made.api_key not in repr(made)
    again = client.log_in(email, PASSWORD)
    assert (again.id, again.api_key) == (made.id, made.api_key)
    with LabelStudioClient(url=client.url, api_key=made.api_key) as theirs:
        assert theirs.check_connection() == email
    assert (made.id, email) in {(user.id, user.email) for user in client.list_users()}


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "Enter a valid email address"),
        (None, "short", "8\u2013128 characters"),
    ],
)
def test_sign_up_refused(
    client: LabelStudioClient, email: str | None, password: str, message: str
) -> None:
    with pytest.raises(LabelStudioError, match=message):
        client.sign_up(email or new_email("dan"), password)


def test_log_in_with_a_wrong_password(client: LabelStudioClient) -> None:
    email = new_email("eve")
    client.sign_up(email, PASSWORD)
    with pytest.raises(LabelStudioError, match="don't match"):
        client.log_in(email, "not the password")


@pytest.mark.usefixtures("server_env")
def test_annotators_commands(client: LabelStudioClient) -> None:
    email = new_email("fay")
    added = runner.invoke(app, ["annotators", "add", email], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.stderr
    assert f"created annotator {email}" in added.stdout and PASSWORD not in added.stdout
    assert client.log_in(email, PASSWORD).email == email
    listed = runner.invoke(app, ["annotators", "list"])
    assert listed.exit_code == 0 and email in listed.stdout

    again = runner.invoke(
        app, ["annotators", "add", email], env={"QUOTEGOLD_ANNOTATOR_PASSWORD": PASSWORD}
    )
    assert again.exit_code == 1
    assert "User with this email already exists" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.usefixtures("server_env")
def test_push_command_sets_annotators_per_task(client: LabelStudioClient, tmp_path: Path) -> None:
    project = f"cli {uuid.uuid4().hex[:8]}"
    article = tmp_path / "day.txt"
    article.write_text(TEXTS[0], encoding="utf-8")
    pushed = runner.invoke(
        app,
        [
            "push",
            str(article),
            "--project",
            project,
            "--no-predictions",
            "--annotators-per-task",
            "2",
        ],
    )
    assert pushed.exit_code == 0, pushed.stderr
    assert "each task is annotated by 2 people" in pushed.stdout
    found = client.find_project(project)
    assert found is not None and found.annotators_per_task == 2
    refused = runner.invoke(app, ["push", str(article), "--annotators-per-task", "0"])
    assert refused.exit_code == 2
