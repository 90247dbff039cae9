"""rehearsal.emulator's audit middleware and rehearsal.audit."""

import io
import json

from rehearsal.audit import AuditRecord, calls_by_principal, denial_sentence, denials, read_audit
from rehearsal.emulator import AuditMiddleware, _error_fields, _request_fields

AUTH = ("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY000001/20250101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=host, Signature=abc")
DENIED_XML = (b'<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: '
              b'arn:aws:sts::123456789012:assumed-role/r/worker-task is not authorized to perform: '
              b'sqs:DeleteMessage</Message></Error></Errors></ErrorResponse>')


def _record(**fields) -> AuditRecord:
    base = dict(time=0.0, key="K", region="us-east-1", service="sqs", action="DeleteMessage",
                target="https://sqs.us-east-1.amazonaws.com/123456789012/q", status=403, error="AccessDenied",
                message="")
    return AuditRecord(**(base | fields))


def test_a_json_protocol_request_names_key_action_and_queue():
    body = json.dumps({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}).encode()
    environ = {"HTTP_AUTHORIZATION": AUTH, "HTTP_X_AMZ_TARGET": "AmazonSQS.DeleteMessage",
               "CONTENT_TYPE": "application/x-amz-json-1.0", "PATH_INFO": "/"}
    assert _request_fields(environ, body) == {
        "key": "ASIAEXAMPLEKEY000001", "region": "us-east-1", "service": "sqs", "action": "DeleteMessage",
        "target": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}


def test_a_query_protocol_request_names_its_action():
    environ = {"HTTP_AUTHORIZATION": AUTH.replace("/sqs/", "/sts/"), "PATH_INFO": "/",
               "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    fields = _request_fields(environ, b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr")
    assert fields["action"] == "AssumeRole" and fields["target"] == "arn:aws:iam::123456789012:role/r"


def test_an_unsigned_request_is_not_audited():
    assert _request_fields({"PATH_INFO": "/moto-api/"}, b"") == {}


def test_moto_xml_errors_and_json_errors_are_read():
    assert _error_fields(403, DENIED_XML)["error"] == "AccessDenied"
    assert _error_fields(400, b'{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "no"}') == {
        "error": "QueueDoesNotExist", "message": "no"}
    assert _error_fields(200, b"") == {}


def test_the_middleware_writes_one_line_per_signed_call(tmp_path):
    def app(environ, start_response):
        start_response("403 Forbidden", [])
        return [DENIED_XML]

    middleware = AuditMiddleware(app, tmp_path / "audit.jsonl")
    body = json.dumps({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}).encode()
    environ = {"HTTP_AUTHORIZATION": AUTH, "HTTP_X_AMZ_TARGET": "AmazonSQS.DeleteMessage", "PATH_INFO": "/",
               "CONTENT_TYPE": "application/x-amz-json-1.0", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    assert middleware(environ, lambda status, headers, exc_info=None: None) == [DENIED_XML]
    (record,) = read_audit(tmp_path / "audit.jsonl")
    assert (record.action, record.status, record.error) == ("DeleteMessage", 403, "AccessDenied")


def test_a_partly_written_line_is_left_for_the_next_read(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text(json.dumps({"key": "K", "action": "A", "status": 200}) + "\n" + '{"key": "K", "act')
    records, offset = read_audit(path, with_offset=True)
    assert len(records) == 1
    with open(path, "a") as handle:
        handle.write('ion": "B", "status": 200}\n')
    more, _ = read_audit(path, offset=offset, with_offset=True)
    assert [r.action for r in more] == ["B"]


def test_a_denial_reads_as_who_what_and_on_which_queue():
    sentence = denial_sentence(_record(), {"K": "worker"}, "123456789012")
    assert sentence == "worker got AccessDenied for sqs:DeleteMessage on arn:aws:sqs:us-east-1:123456789012:q"


def test_denials_and_calls_are_counted_per_known_principal():
    records = [_record(), _record(status=200, error="", action="ReceiveMessage"), _record(key="other")]
    assert denials(records, {"K": "worker"}) == [records[0]]
    calls = calls_by_principal(records, {"K": "worker"})
    assert calls["worker"]["denied"] == {"sqs:DeleteMessage": 1}
    assert calls["worker"]["allowed"] == {"sqs:ReceiveMessage": 1}
