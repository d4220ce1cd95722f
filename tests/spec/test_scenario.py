"""Tests of the scenario schema (gigawatt.spec): examples, JSON Schema, error messages, refs."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, ValidationError

from gigawatt.errors import InputError, unknown_id_error
from gigawatt.evaluate.demand import peak_to_mean
from gigawatt.spec import (
    KINDS,
    SCHEMA_ID,
    AgentSLO,
    FinetuneWorkload,
    OnlineInferenceWorkload,
    Scenario,
    Workload,
    check_scenario_refs,
    load_scenario,
    parse_scenario,
    scenario_json_schema,
)
from gigawatt.spec import scenario as scenario_module
from gigawatt.spec import workloads as workloads_module

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "scenarios").glob("*.yaml"))
FIXTURES = REPO / "tests" / "fixtures" / "scenarios"
DOCS = REPO / "docs" / "scenarios.md"

# Ids the examples may use (kept in step with the bundled catalog by a later integration test).
ALLOWED_IDS = {
    "accelerators": "a100-sxm-80gb h100-sxm h100-pcie h200 b200 gb200 mi300x gaudi3 tpu-v5e "
    "tpu-v6e trainium2 l4 l40s jetson-agx-orin",
    "models": "llama-3.1-8b llama-3.1-70b llama-3.1-405b mixtral-8x7b qwen2.5-7b deepseek-v3 "
    "llama-3.2-1b",
    "venues": "aws azure gcp oci coreweave lambda nebius onprem edge",
}
REGION_JURISDICTIONS = {
    "us": ["us"],
    "fr": ["fr", "eu"],
    "de": ["de", "eu"],
    "ie": ["ie", "eu"],
    "gb": ["gb"],
    "aws:us-east-1": ["us"],
    "gcp:europe-west9": ["fr", "eu"],
    "azure:westeurope": ["nl", "eu"],
}


class FakeCatalog:
    """The catalog interface check_scenario_refs relies on, over in-memory rows."""

    def __init__(self, tables: dict[str, dict[str, Mapping[str, Any]]]) -> None:
        self.tables = tables

    def ids(self, table: str) -> list[str]:
        return sorted(self.tables.get(table, {}))

    def get(self, table: str, id: str, *, field: str | None = None) -> Mapping[str, Any]:
        rows = self.tables.get(table, {})
        if id not in rows:
            raise unknown_id_error(table.rstrip("s"), id, rows, field=field)
        return rows[id]


def fake_catalog(**extra: Mapping[str, Mapping[str, Any]]) -> FakeCatalog:
    tables: dict[str, dict[str, Mapping[str, Any]]] = {
        table: {id_: {"id": id_} for id_ in ids.split()} for table, ids in ALLOWED_IDS.items()
    }
    tables["regions"] = {
        rid: {"id": rid, "jurisdictions": ";".join(codes)}  # raw CSV form on purpose
        for rid, codes in REGION_JURISDICTIONS.items()
    }
    tables["offers"] = {}
    tables["systems"] = {}
    for table, rows in extra.items():
        tables.setdefault(table, {}).update(rows)
    return FakeCatalog(tables)


def chat(**overrides: Any) -> dict[str, Any]:
    """A minimal valid online_inference workload."""
    workload: dict[str, Any] = {
        "name": "chat",
        "kind": "online_inference",
        "model": "llama-3.1-8b",
        "qps": 4,
        "input_tokens_per_request": 1000,
        "output_tokens_per_request": 200,
        "slo": {"p95_ttft_s": 1.0},
    }
    workload.update(overrides)
    return workload


def scenario(*workloads: dict[str, Any], **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "test", "workloads": list(workloads) or [chat()]}
    data.update(top)
    return data


def error_of(data: Any) -> str:
    with pytest.raises(InputError) as info:
        parse_scenario(data)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- examples -------------------------------------------------------------------------------


def test_the_four_examples_exist() -> None:
    assert [p.name for p in EXAMPLES] == [
        "edge.yaml",
        "enterprise-hybrid.yaml",
        "frontier-lab.yaml",
        "startup.yaml",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_loads_and_round_trips(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.name == path.stem
    assert Scenario.model_validate(loaded.model_dump()) == loaded
    assert Scenario.model_validate_json(loaded.model_dump_json()) == loaded


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_uses_only_known_ids(path: Path) -> None:
    check_scenario_refs(load_scenario(path), fake_catalog())


def test_examples_cover_every_kind_and_objective() -> None:
    loaded = [load_scenario(path) for path in EXAMPLES]
    assert {w.kind for s in loaded for w in s.workloads} == set(KINDS)
    assert {s.objective for s in loaded} == {"cost", "carbon", "weighted"}


def test_example_fields_are_read() -> None:
    startup = load_scenario(REPO / "examples" / "scenarios" / "startup.yaml")
    tune = startup.workload("support-lora")
    assert isinstance(tune, FinetuneWorkload)
    assert (tune.method, tune.adapter_rank, tune.tokens) == ("lora", 16, 400_000_000)
    assert tune.total_tokens == pytest.approx(1.2e9)
    serve = startup.workload("support-chat")
    assert isinstance(serve, OnlineInferenceWorkload)
    assert serve.load.shape == "bursty" and serve.load.peak_to_mean == pytest.approx(3.0)
    assert serve.qps * peak_to_mean(serve) == pytest.approx(12.0)
    assert serve.slo.p95_tpot_s == pytest.approx(0.05)
    assert startup.limits.budget_usd == pytest.approx(150_000)
    with pytest.raises(KeyError):
        startup.workload("nope")


# --- JSON Schema ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_schema_header() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "gigawatt scenario"
    assert schema["additionalProperties"] is False
    assert "workloads" in schema["required"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_json_schema_accepts_example(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert not [e.message for e in validator.iter_errors(raw)]
    dumped = load_scenario(path).model_dump(mode="json")
    assert not [e.message for e in validator.iter_errors(dumped)]


@pytest.mark.parametrize(
    "data",
    [
        scenario(chat(qsp=4)),
        scenario(chat(kind="training")),
        scenario(chat(qps=-1)),
        scenario(chat(slo={"p95_ttft_s": 1, "p95_latncy_s": 2})),
        {"name": "x", "workloads": []},
        scenario(objective="fastest"),
    ],
)
def test_json_schema_rejects_what_the_loader_rejects(
    data: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert not validator.is_valid(data)
    with pytest.raises(InputError):
        parse_scenario(data)


def test_every_field_has_a_description() -> None:
    schema = scenario_json_schema()
    missing = [
        f"{name}.{field}"
        for name, definition in schema["$defs"].items()
        for field, prop in definition.get("properties", {}).items()
        if not prop.get("description")
    ]
    missing += [f for f, p in schema["properties"].items() if not p.get("description")]
    assert missing == []


# --- bad files ------------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[str, list[str]]] = {
    # fixture: (line:col or "" when there is no position, substrings of the message)
    "yaml-syntax.yaml": ("7:29", ["expected ',' or ']'", "flow sequence at 6:10"]),
    "unknown-key.yaml": (
        "22:7",
        ["workloads[2].slo.p95_latncy_s: unknown key", "p95_ttft_s", "p95_e2e_s (end to end)"],
    ),
    "unknown-top-key.yaml": ("2:1", ["horizon_day: unknown key", "did you mean 'horizon_days'?"]),
    "negative-tokens.yaml": ("6:13", ["workloads[0].tokens = -5: must be > 0"]),
    "negative-latency.yaml": ("22:18", ["workloads[2].slo.p95_e2e_s = -1: must be > 0"]),
    "empty-workloads.yaml": ("3:12", ["workloads = []: must have at least 1 item"]),
    "duplicate-names.yaml": (
        "10:11",
        ["workloads[1].name = 'chat': duplicate workload name", "workloads[0]"],
    ),
    "wrong-kind.yaml": (
        "4:11",
        [
            "workloads[0].kind = 'pretraining': unknown workload kind",
            "allowed: " + ", ".join(KINDS),
            "did you mean 'pretrain'?",
        ],
    ),
    "duplicate-key.yaml": ("7:5", ["duplicate key 'qps' (first at line 6)"]),
    "weighted-without-weights.yaml": ("2:12", ["objective = 'weighted': needs weights"]),
    "deadline-beyond-horizon.yaml": (
        "9:26",
        ["workloads[0].slo.deadline_days = 75:", "105 exceeds horizon_days = 90"],
    ),
    "tokens-as-string.yaml": (
        "6:13",
        ["workloads[0].tokens = '15e12': must be an integer", "1.5e+13"],
    ),
    "norway-boolean.yaml": (
        "10:35",
        ["allowed_jurisdictions[1] = False: must be a string", "quote it"],
    ),
    "missing-slo.yaml": ("3:5", ["workloads[0].slo: required field missing"]),
    "fractional-count.yaml": ("7:13", ["workloads[0].tokens = 1000000.5: must be a whole number"]),
    "not-a-mapping.yaml": ("", ["must be a mapping", "got a list"]),
    "empty-file.yaml": ("", ["got an empty document"]),
}


def test_every_bad_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.yaml")) == sorted(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_fixture_gives_one_precise_line(name: str) -> None:
    position, fragments = BAD_FILES[name]
    path = FIXTURES / name
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    prefix = f"{path}:{position}: " if position else f"{path}: "
    assert message.startswith(prefix), message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_file() -> None:
    with pytest.raises(InputError, match="not found"):
        load_scenario(FIXTURES / "no-such-file.yaml")


def test_anchors_and_merge_keys_keep_positions(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "name: anchors\n"
        "workloads:\n"
        "  - &chat\n"
        "    name: chat\n"
        "    kind: online_inference\n"
        "    model: llama-3.1-8b\n"
        "    qps: 4\n"
        "    input_tokens_per_request: 100\n"
        "    output_tokens_per_request: 10\n"
        "    slo: {p95_ttft_s: 1}\n"
        "  - <<: *chat\n"
        "    name: chat-eu\n"
        "    qps: 0\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}:13:10: workloads[1].qps = 0: must be > 0"
    path.write_text(path.read_text(encoding="utf-8").replace("qps: 0", "qps: 2"), "utf-8")
    loaded = load_scenario(path)
    assert [w.name for w in loaded.workloads] == ["chat", "chat-eu"]


# --- validation rules -----------------------------------------------------------------------

RULES: list[tuple[dict[str, Any], list[str]]] = [
    (scenario(chat(kind=None)), ["workloads[0].kind = None: unknown workload kind"]),
    (
        {"name": "t", "workloads": [{"name": "x"}]},
        ["workloads[0].kind: required field missing; allowed: pretrain"],
    ),
    (scenario(chat(tokens=5)), ["workloads[0].tokens: unknown key"]),
    (scenario(chat(qps=True)), ["workloads[0].qps = True: must be a number"]),
    (scenario(chat(qps="4")), ["workloads[0].qps = '4': must be a number, not a string"]),
    (scenario(chat(qps=math.nan)), ["workloads[0].qps = nan: must be a finite number"]),
    (
        scenario(chat(load={"shape": "bursty", "peak_to_mean": 8, "peak_share": 0.2})),
        ["workloads[0].load.peak_share = 0.2: peak_to_mean x peak_share = 1.6 must be <= 1"],
    ),
    (
        scenario(chat(load={"shape": "diurnal", "peak_to_mean": 3})),
        ["workloads[0].load.peak_to_mean = 3: must be <= 2 for a sinusoidal day"],
    ),
    (
        scenario(chat(load={"shape": "steady", "peak_share": 0.5})),
        ["workloads[0].load.peak_share = 0.5: does not apply to shape 'steady'"],
    ),
    (
        scenario(chat(slo={"p95_ms": 5})),
        ["workloads[0].slo.p95_ms: unknown key; a latency objective names its metric"],
    ),
    (scenario(chat(name="my chat")), ["workloads[0].name = 'my chat': must be letters, digits"]),
    (scenario(chat(slo={})), ["workloads[0].slo: set at least one of p95_ttft_s"]),
    (
        scenario(chat(slo={"p95_ttft_s": 2, "p95_e2e_s": 1})),
        ["workloads[0].slo.p95_e2e_s = 1: must be >= p95_ttft_s = 2"],
    ),
    (scenario(chat(precision="fp6")), ["precision = 'fp6': allowed: fp32, bf16", "; did you mean"]),
    (
        scenario(chat(data={"allowed_jurisdictions": ["EU"]})),
        ["allowed_jurisdictions[0] = 'EU': must be a lowercase ISO 3166-1 alpha-2"],
    ),
    (
        scenario(chat(data={"allowed_jurisdictions": []})),
        ["workloads[0].data.allowed_jurisdictions = []: must have at least 1 item"],
    ),
    (
        scenario(chat(data={"allowed_jurisdictions": ["fr", "fr"]})),
        [
            "allowed_jurisdictions[1] = 'fr': duplicate id; "
            "already listed at allowed_jurisdictions[0]"
        ],
    ),
    (
        scenario(chat(data={"sovereign_only": True})),
        ["workloads[0].data.sovereign_only = True: sovereign_only needs allowed_jurisdictions"],
    ),
    (
        scenario(chat(venues=["aws", "gcp", "aws"])),
        ["workloads[0].venues[2] = 'aws': duplicate id"],
    ),
    (scenario(chat(start_day=400)), ["workloads[0].start_day = 400: must be < horizon_days = 365"]),
    (
        scenario(chat(kind="rag", retrieved_context_tokens=2000, retrieval_latency_s=1.5)),
        ["workloads[0].slo.p95_ttft_s = 1: must exceed retrieval_latency_s = 1.5"],
    ),
    (
        scenario(
            {
                "name": "agent",
                "kind": "agent",
                "model": "qwen2.5-7b",
                "tasks_per_day": 100,
                "steps_per_task": 10,
                "input_tokens_per_step": 1000,
                "output_tokens_per_step": 100,
                "tool_latency_s": 3,
                "slo": {"p95_task_latency_s": 30},
            }
        ),
        ["workloads[0].slo.p95_task_latency_s = 30: must exceed", "30 s spent in tools"],
    ),
    (
        scenario(
            {
                "name": "ft",
                "kind": "finetune",
                "model": "llama-3.1-8b",
                "method": "full",
                "tokens": 1000,
                "lora_rank": 16,
                "slo": {"deadline_days": 1},
            }
        ),
        ["workloads[0].lora_rank = 16: lora_rank applies to method lora or qlora"],
    ),
    (
        scenario(
            {
                "name": "ft",
                "kind": "finetune",
                "model": "llama-3.1-8b",
                "method": "dora",
                "tokens": 1000,
                "slo": {"deadline_days": 1},
            }
        ),
        ["workloads[0].method = 'dora': allowed: full, lora, qlora"],
    ),
    (
        scenario(
            {
                "name": "edge",
                "kind": "edge_inference",
                "model": "llama-3.2-1b",
                "sites": 3,
                "qps_per_site": 1,
                "input_tokens_per_request": 10,
                "output_tokens_per_request": 10,
                "slo": {"p95_ttft_s": 1},
            }
        ),
        ["workloads[0].sites_region: required field missing"],
    ),
    (
        scenario(objective="cost", weights={"cost": 1, "carbon": 1}),
        ["weights = {'cost': 1.0, 'carbon': 1.0}: weights apply only to objective 'weighted'"],
    ),
    (
        scenario(objective="weighted", weights={"cost": 0, "carbon": 0}),
        ["weights.cost = 0: at least one weight must be > 0"],
    ),
    (
        scenario(objective="weighted", weights={"cost": 1}),
        ["weights.carbon: required field missing"],
    ),
    (scenario(venues=["aws", "aws"]), ["venues[1] = 'aws': duplicate id"]),
    (scenario(offers=[]), ["offers = []: must have at least 1 item"]),
    (scenario(horizon_days=0), ["horizon_days = 0: must be > 0"]),
    (scenario(schema_version=2), ["schema_version = 2: allowed: 1"]),
    (
        scenario(limits={"accelerator_caps": [{"offer": "o", "venue": "aws", "max_count": 1}]}),
        ["limits.accelerator_caps[0].venue = 'aws': drop it: offer 'o' already fixes the venue"],
    ),
    (
        scenario(
            limits={
                "power_caps": [
                    {"venue": "aws", "power_cap_mw": 1},
                    {"venue": "aws", "power_cap_mw": 2},
                ]
            }
        ),
        ["limits.power_caps[1] = ", "same scope as power_caps[0]"],
    ),
    (
        scenario(limits={"power_caps": [{"power_cap_mw": -3}]}),
        ["limits.power_caps[0].power_cap_mw = -3: must be > 0"],
    ),
    (scenario(limits={"budget_usd": 0}), ["limits.budget_usd = 0: must be > 0"]),
    (
        scenario(
            owned_hardware=[
                {"accelerator": "h100-sxm", "count": 0, "venue": "onprem", "region": "fr"}
            ]
        ),
        ["owned_hardware[0].count = 0: must be > 0"],
    ),
    (scenario(workloads="chat"), ["workloads = 'chat': must be a list"]),
    (scenario(chat(slo=3)), ["workloads[0].slo = 3: must be a mapping"]),
]


@pytest.mark.parametrize(("data", "fragments"), RULES, ids=[f[0][:40] for _, f in RULES])
def test_rule_gives_one_precise_line(data: dict[str, Any], fragments: list[str]) -> None:
    message = error_of(data)
    assert message.startswith("<scenario>: "), message
    for fragment in fragments:
        assert fragment in message, message


def test_several_problems_are_counted() -> None:
    message = error_of(scenario(chat(qps=-1, output_tokens_per_request=0), horizon_days=-1))
    assert message.endswith("(+2 more)"), message
    assert "horizon_days = -1: must be > 0" in message


def test_unknown_keys_are_counted_in_one_model() -> None:
    message = error_of(scenario(chat(qsp=1, foo=2)))
    assert "workloads[0].qsp: unknown key; did you mean 'qps'? (and 1 more unknown)" in message


def test_defaults() -> None:
    loaded = parse_scenario(
        scenario(
            chat(),
            {
                "name": "job",
                "kind": "batch_inference",
                "model": "llama-3.1-8b",
                "requests_per_day": 10,
                "input_tokens_per_request": 100,
                "output_tokens_per_request": 10,
            },
        )
    )
    assert (loaded.objective, loaded.horizon_days, loaded.weights) == ("cost", 365.0, None)
    assert (loaded.venues, loaded.offers, loaded.owned_hardware) == (None, None, [])
    assert loaded.limits.budget_usd is None and loaded.limits.power_caps == []
    online, batch = loaded.workloads
    assert isinstance(online, OnlineInferenceWorkload)
    assert (online.precision, online.kv_cache_precision, online.load.shape) == (
        "bf16",
        None,
        "steady",
    )
    assert (online.start_day, online.users_region, online.venues) == (0.0, None, None)
    assert online.data.allowed_jurisdictions is None
    assert not online.data.sovereign_only and not online.data.offline
    assert batch.slo.turnaround_h == 24.0  # type: ignore[union-attr]
    assert batch.tokens_per_day == pytest.approx(1100)  # type: ignore[union-attr]
    tune = parse_scenario(
        scenario(
            {
                "name": "ft",
                "kind": "finetune",
                "model": "llama-3.1-8b",
                "method": "qlora",
                "tokens": 10,
                "slo": {"deadline_days": 1},
            }
        )
    ).workloads[0]
    assert isinstance(tune, FinetuneWorkload)
    assert (tune.lora_rank, tune.adapter_rank, tune.epochs) == (None, 8, 1.0)
    assert (tune.precision, tune.sequence_length_tokens) == ("bf16", 4096)
    full = tune.model_copy(update={"method": "full"})
    assert full.adapter_rank is None
    assert FinetuneWorkload.model_validate(full.model_dump()) == full


def test_integral_floats_are_accepted_for_counts() -> None:
    data = scenario(
        {
            "name": "base",
            "kind": "pretrain",
            "model": "llama-3.1-70b",
            "tokens": 1.5e13,
            "slo": {"deadline_days": 30},
        }
    )
    tokens = parse_scenario(data).workloads[0].tokens  # type: ignore[union-attr]
    assert tokens == 15_000_000_000_000 and isinstance(tokens, int)


def test_models_are_frozen() -> None:
    loaded = parse_scenario(scenario())
    with pytest.raises(ValidationError):
        loaded.horizon_days = 1  # type: ignore[misc]


def test_input_is_not_mutated() -> None:
    data = scenario(chat(model="configs/my.json"))
    before = copy.deepcopy(data)
    parse_scenario(data)
    assert data == before


def test_kinds_match_the_union() -> None:
    (union, _discriminator) = get_args(Workload)
    literal_kinds = [get_args(cls.model_fields["kind"].annotation)[0] for cls in get_args(union)]
    assert tuple(literal_kinds) == KINDS


def test_agent_derived_rate() -> None:
    data = scenario(
        {
            "name": "agent",
            "kind": "agent",
            "model": "qwen2.5-7b",
            "tasks_per_day": 86_400,
            "steps_per_task": 5,
            "input_tokens_per_step": 10,
            "output_tokens_per_step": 10,
            "slo": {"p95_ttft_s": 1},
        }
    )
    agent = parse_scenario(data).workloads[0]
    assert agent.steps_per_s == pytest.approx(5.0)  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        AgentSLO()


# --- model config paths ---------------------------------------------------------------------


def test_relative_model_path_is_resolved_against_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "config.json").write_text("{}", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            scenario(chat(model="models/config.json"), chat(name="b", model="./models"))
        ),
        encoding="utf-8",
    )
    loaded = load_scenario(path)
    first, second = loaded.workloads
    assert first.model == str(tmp_path / "models" / "config.json")
    assert first.model_is_path and second.model_is_path
    check_scenario_refs(loaded, fake_catalog())
    missing = parse_scenario(scenario(chat(model=str(tmp_path / "nope" / "config.json"))))
    with pytest.raises(InputError, match=r"^workloads\[0\]\.model: model config .* not found"):
        check_scenario_refs(missing, fake_catalog())


# --- catalog references ---------------------------------------------------------------------


def refs_error(data: dict[str, Any], catalog: FakeCatalog | None = None) -> str:
    loaded = parse_scenario(data)
    with pytest.raises(InputError) as info:
        check_scenario_refs(loaded, catalog or fake_catalog())
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            scenario(chat(model="llama-3-70b")),
            "workloads[0].model: unknown model id 'llama-3-70b'; did you mean 'llama-3.1-70b'",
        ),
        (
            scenario(chat(accelerators=["h100-sxm", "h100"])),
            "workloads[0].accelerators[1]: unknown accelerator id 'h100'; did you mean 'h200', "
            "'h100-sxm'",
        ),
        (
            scenario(chat(users_region="us-east-1")),
            "workloads[0].users_region: unknown region id 'us-east-1'; "
            "did you mean 'aws:us-east-1'",
        ),
        (
            scenario(chat(regions=["fr", "europe-west9"])),
            "workloads[0].regions[1]: unknown region id 'europe-west9'",
        ),
        (
            scenario(venues=["aws", "coreweav"]),
            "venues[1]: unknown venue id 'coreweav'; did you mean 'coreweave'",
        ),
        (scenario(offers=["aws-p5"]), "offers[0]: unknown offer id 'aws-p5'"),
        (
            scenario(limits={"accelerator_caps": [{"accelerator": "b100", "max_count": 8}]}),
            "limits.accelerator_caps[0].accelerator: unknown accelerator id 'b100'",
        ),
        (
            scenario(limits={"power_caps": [{"region": "paris", "power_cap_mw": 8}]}),
            "limits.power_caps[0].region: unknown region id 'paris'",
        ),
        (
            scenario(
                owned_hardware=[
                    {
                        "accelerator": "h100-sxm",
                        "count": 8,
                        "venue": "on-prem",
                        "region": "fr",
                        "system": "dgx-h100",
                    }
                ]
            ),
            "owned_hardware[0].venue: unknown venue id 'on-prem'; did you mean 'onprem'",
        ),
        (
            scenario(chat(data={"allowed_jurisdictions": ["fe"]})),
            "workloads[0].data.allowed_jurisdictions[0]: no catalog region belongs to jurisdiction "
            "'fe'; did you mean",
        ),
        (
            scenario(chat(venues=["gcp"]), venues=["aws", "azure"]),
            "workloads[0].venues[0]: venue 'gcp' is not a candidate; the scenario's venues, offers "
            "and owned hardware allow: aws, azure",
        ),
    ],
)
def test_check_scenario_refs(data: dict[str, Any], expected: str) -> None:
    message = refs_error(data)
    assert message.startswith(expected), message


def test_check_scenario_refs_counts_problems() -> None:
    message = refs_error(scenario(chat(model="gpt-5", accelerators=["h1000"]), venues=["awz"]))
    assert message.startswith("workloads[0].model: unknown model id 'gpt-5'"), message
    assert message.endswith("(+2 more)"), message


def test_offers_and_owned_hardware_make_venues_candidates() -> None:
    catalog = fake_catalog(
        offers={"nebius-h200": {"id": "nebius-h200", "venue": "nebius"}},
        systems={"dgx-h100": {"id": "dgx-h100", "accelerator": "h100-sxm"}},
    )
    owned = [
        {
            "accelerator": "h100-sxm",
            "count": 8,
            "venue": "onprem",
            "region": "fr",
            "system": "dgx-h100",
        }
    ]
    data = scenario(
        chat(venues=["nebius", "onprem", "aws"]),
        venues=["aws"],
        offers=["nebius-h200"],
        owned_hardware=owned,
    )
    check_scenario_refs(parse_scenario(data), catalog)
    owned[0]["accelerator"] = "h200"
    message = refs_error(data, catalog)
    assert message == "owned_hardware[0].system: system 'dgx-h100' carries 'h100-sxm', not 'h200'"


def test_check_scenario_refs_can_fail_on_examples() -> None:
    """The fake catalog really checks: drop one id the startup example uses."""
    catalog = fake_catalog()
    del catalog.tables["venues"]["lambda"]
    loaded = load_scenario(REPO / "examples" / "scenarios" / "startup.yaml")
    with pytest.raises(InputError, match=r"^venues\[0\]: unknown venue id 'lambda'"):
        check_scenario_refs(loaded, catalog)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_against_the_bundled_catalog(path: Path) -> None:
    catalog_module = pytest.importorskip("gigawatt.catalog")
    check_scenario_refs(load_scenario(path), catalog_module.load_catalog())


# --- documentation --------------------------------------------------------------------------


def _models(module: object) -> Iterable[type[BaseModel]]:
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            yield value


def test_docs_mention_every_field() -> None:
    text = DOCS.read_text(encoding="utf-8")
    fields = {
        field
        for module in (scenario_module, workloads_module)
        for model in _models(module)
        for field in model.model_fields
    }
    missing = sorted(
        f for f in fields if not re.search(rf"`(?:[\w\[\].]+\.)?{re.escape(f)}`", text)
    )
    assert missing == []
    assert all(f"`{kind}`" in text for kind in KINDS)


def test_per_token_services_default_on_and_false_opts_out() -> None:
    """Issue 19: services are weighed unless the scenario says ``per_token_services: false``; the
    JSON Schema documents the same default."""
    base = {
        "name": "svc",
        "workloads": [
            {
                "name": "chat",
                "kind": "online_inference",
                "model": "llama-3.1-8b",
                "qps": 1,
                "input_tokens_per_request": 500,
                "output_tokens_per_request": 100,
                "slo": {"p95_ttft_s": 1.0, "p95_tpot_s": 0.05},
            }
        ],
    }
    assert parse_scenario(copy.deepcopy(base)).per_token_services is True
    off = parse_scenario({**copy.deepcopy(base), "per_token_services": False})
    assert off.per_token_services is False
    assert scenario_json_schema()["properties"]["per_token_services"]["default"] is True
    with pytest.raises(InputError, match="per_token_services"):
        parse_scenario({**copy.deepcopy(base), "per_token_services": "maybe"})
