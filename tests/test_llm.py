"""The LLM layer against a local fake OpenAI-compatible server (loopback only) and the replay backend."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lamfactory.llm import LLMError, LLMSpecError, make_llm, parse_llm_options, role_llm
from lamfactory.llm.openai_backend import OpenAIChat
from lamfactory.llm.replay import RecordingLLM, ReplayLLM

SCHEMA = {"type": "object", "properties": {"task": {"type": "string"}, "steps": {"type": "integer"}},
          "required": ["task", "steps"]}
SECRET = "sk-test-secret-123"


class FakeOpenAI:
    """/v1/chat/completions answering from a script of texts (the last one repeats); records requests."""

    def __init__(self, answers: list[str]):
        self.answers, self.requests = list(answers), []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                if len(fake.requests) > 20:  # bounded: a runaway retry loop fails the test
                    self.send_response(500)
                    self.end_headers()
                    return
                text = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
                data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": text}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_parse_llm_options_and_specs():
    assert parse_llm_options(["extract=openai:gpt-4o@http://127.0.0.1:8000/v1", "judge=offline"]) == {
        "extract": "openai:gpt-4o@http://127.0.0.1:8000/v1", "judge": "offline"}
    with pytest.raises(LLMSpecError, match="unknown role 'planner'"):
        parse_llm_options(["planner=offline"])
    with pytest.raises(LLMSpecError, match="expected ROLE=BACKEND"):
        parse_llm_options(["extract"])
    with pytest.raises(LLMSpecError, match="unknown backend 'gpt'"):
        parse_llm_options(["extract=gpt:4"])
    assert make_llm("offline") is None and role_llm({}, "evolve") is None
    with pytest.raises(LLMSpecError):
        make_llm("openai:")


def test_openai_backend_text_and_key_handling(monkeypatch):
    monkeypatch.setenv("MY_KEY", SECRET)
    with FakeOpenAI(["Hello from the server"]) as fake:
        llm = make_llm(f"openai:tiny@{fake.url}", api_key_env="MY_KEY", timeout=5)
        assert llm.chat([{"role": "user", "content": "hi"}]) == "Hello from the server"
    req = fake.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "tiny"
    assert req["auth"] == f"Bearer {SECRET}"  # the key reaches the server ...
    assert SECRET not in repr(llm) and SECRET not in llm.name  # ... and nothing else


def test_openai_backend_requires_key_for_openai(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        make_llm("openai:gpt-4o")


def test_schema_output_retries_then_succeeds():
    with FakeOpenAI(["Sure! here it is: {not json", '```json\n{"task": "Bold text", "steps": 2}\n```']) as fake:
        llm = OpenAIChat("tiny", fake.url, timeout=5)
        assert llm.chat_json([{"role": "user", "content": "go"}], SCHEMA) == {"task": "Bold text", "steps": 2}
    assert len(fake.requests) == 2
    assert fake.requests[0]["body"]["response_format"]["type"] == "json_schema"
    feedback = fake.requests[1]["body"]["messages"][-1]["content"]
    assert "not valid JSON" in feedback  # the model is told what was wrong


def test_schema_output_keeps_failing_gives_clear_error():
    with FakeOpenAI(['{"task": "Bold text"}']) as fake:  # valid JSON, missing "steps"
        llm = OpenAIChat("tiny", fake.url, timeout=5, retries=2)
        with pytest.raises(LLMError, match=r"no schema-valid answer after 3 attempts.*'steps' is a required"):
            llm.chat([{"role": "user", "content": "go"}], schema=SCHEMA)
    assert len(fake.requests) == 3  # bounded retries


def test_unreachable_server_is_a_clear_error():
    llm = OpenAIChat("tiny", "http://127.0.0.1:9/v1", timeout=2, transport_retries=0)
    with pytest.raises(LLMError, match="APIConnectionError"):
        llm.chat([{"role": "user", "content": "hi"}])


def test_record_then_replay_without_network(tmp_path):
    rec = tmp_path / "calls.jsonl"
    messages = [{"role": "user", "content": "extract"}]
    with FakeOpenAI(["oops", '{"task": "Insert a table", "steps": 3}']) as fake:
        live = RecordingLLM(OpenAIChat("tiny", fake.url, timeout=5), rec)
        assert live.chat_json(messages, SCHEMA) == {"task": "Insert a table", "steps": 3}
        assert live.chat([{"role": "user", "content": "plain"}]) == '{"task": "Insert a table", "steps": 3}'
    assert len(rec.read_text().splitlines()) == 3  # the bad answer, the retry, the plain call
    replay = make_llm(f"replay:{rec}")
    assert isinstance(replay, ReplayLLM)
    assert replay.chat_json(messages, SCHEMA) == {"task": "Insert a table", "steps": 3}  # replays the retry too
    with pytest.raises(LLMError, match="no recorded answer"):
        replay.chat([{"role": "user", "content": "never asked"}])


def test_replay_malformed_answers_and_files(tmp_path):
    messages = [{"role": "user", "content": "q"}]
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps({"messages": messages, "schema": SCHEMA, "response": "no json here"}) + "\n")
    with pytest.raises(LLMError, match="no schema-valid answer"):
        ReplayLLM(f, retries=0).chat(messages, schema=SCHEMA)
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not a line}\n")
    with pytest.raises(LLMError, match=r"broken.jsonl:1: not a recording line"):
        ReplayLLM(broken)
    with pytest.raises(LLMError, match="cannot read the recording"):
        ReplayLLM(tmp_path / "missing.jsonl")
