"""Trace adapter: published statistics of the real traces, user formats, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gigawatt.adapters.traces import read_trace
from gigawatt.errors import InputError

# Published statistics (recalled from the papers, then checked against the files):
# Splitwise (Patel et al., ISCA'24, arXiv:2311.18677), Azure LLM inference trace 2023:
# median prompt / output tokens, coding 1500 / 13, conversation 1020 / 129.
# Mooncake (Qin et al., FAST'25), conversation trace: average input 12035, output 343 tokens.
AZURE = {"code": (1500, 13), "conv": (1020, 129)}


@pytest.mark.parametrize("kind", ["code", "conv"])
def test_azure_2023_medians(shared: Path, kind: str) -> None:
    path = shared / "sim-traces" / "azure-llm-2023" / f"AzureLLMInferenceTrace_{kind}.csv"
    tr = read_trace(path)
    s = tr.summary()
    prompt, output = AZURE[kind]
    # "1500" is published to two significant digits
    assert s["input_tokens_median"] == pytest.approx(prompt, rel=0.035)
    assert s["output_tokens_median"] == pytest.approx(output, abs=0.5)
    assert tr.format == "azure-2023"
    assert 3400 < tr.duration_s < 3600  # about one hour
    assert tr.requests == (8819 if kind == "code" else 19366)
    assert (tr.arrival_s[1:] >= tr.arrival_s[:-1]).all()


def test_mooncake_means(shared: Path) -> None:
    tr = read_trace(shared / "sim-traces" / "mooncake-fast25" / "conversation_trace.jsonl")
    s = tr.summary()
    assert tr.format == "mooncake" and tr.requests == 12031
    assert s["input_tokens_mean"] == pytest.approx(12035, abs=1)
    assert s["output_tokens_mean"] == pytest.approx(343, abs=1)
    assert tr.duration_s == pytest.approx(3537.0)  # timestamps are milliseconds


def test_own_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "log.csv"
    csv_path.write_text("arrival_s,input_tokens,output_tokens,user\n10.5,100,20,a\n10.0,50,5,b\n")
    tr = read_trace(csv_path)
    assert tr.format == "gigawatt"
    assert list(tr.arrival_s) == [0.0, 0.5] and list(tr.input_tokens) == [50, 100]
    assert tr.rate_per_s == pytest.approx(2.0)
    jl = tmp_path / "log.jsonl"
    jl.write_text(
        "\n".join(
            json.dumps({"arrival_s": t, "input_tokens": 10, "output_tokens": 3}) for t in (0, 1, 2)
        )
        + "\n"
    )
    assert read_trace(jl).requests == 3


@pytest.mark.parametrize(
    ("text", "suffix", "match"),
    [
        ("arrival_s,input_tokens,output_tokens\n0,12,x\n", "csv", r"line 2, field 'output_tokens'"),
        ("arrival_s,input_tokens,output_tokens\n0,0,4\n", "csv", r"line 2, field 'input_tokens'"),
        ("a,b,c\n1,2,3\n", "csv", r"line 1: unknown CSV header"),
        (
            "TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,5,5\n",
            "csv",
            r"line 2, field 'TIMESTAMP'",
        ),
        (
            '{"timestamp": 0, "input_length": 5, "output_length": 1}\n{"timestamp": 1}\n',
            "jsonl",
            r"line 2: missing field 'input_length'",
        ),
        (
            '{"timestamp": 0, "input_length": 5, "output_length": 1}\n{oops\n',
            "jsonl",
            r"line 2: invalid JSON",
        ),
        ("", "csv", "empty"),
    ],
)
def test_bad_files_name_file_line_field(tmp_path: Path, text: str, suffix: str, match: str) -> None:
    p = tmp_path / f"bad.{suffix}"
    p.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        read_trace(p)
    assert str(p) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_trace("/nonexistent/trace.csv")
