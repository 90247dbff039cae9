"""rehearsal.arns: mock ARNs become the emulator's wherever they appear."""

from rehearsal.arns import ArnMap

MOCK = "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthkit-dev/django-secret-key-25928b"
REAL = "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthkit-dev/django-secret-key-AbCdEf"


def test_a_recorded_arn_is_rewritten_inside_strings_lists_and_dicts():
    arns = ArnMap("123456789012", "123456789012")
    arns.add(MOCK, REAL)
    value = {"secrets": [{"valueFrom": f"{MOCK}:password::"}], "Resource": [MOCK]}
    assert arns.rewrite(value) == {"secrets": [{"valueFrom": f"{REAL}:password::"}], "Resource": [REAL]}


def test_identical_arns_are_looked_up_but_not_counted_as_changed():
    arns = ArnMap("123456789012", "123456789012")
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    arns.add(queue, queue)
    assert arns.lookup(queue) == queue
    assert arns.changed() == {}


def test_longer_arns_are_replaced_first():
    arns = ArnMap("123456789012", "123456789012")
    arns.add("arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:sqs:us-east-1:123456789012:Q")
    arns.add("arn:aws:sqs:us-east-1:123456789012:q-dlq", "arn:aws:sqs:us-east-1:123456789012:DLQ")
    assert arns.rewrite("arn:aws:sqs:us-east-1:123456789012:q-dlq") == "arn:aws:sqs:us-east-1:123456789012:DLQ"


def test_another_emulator_account_is_substituted():
    arns = ArnMap("123456789012", "000000000000")
    assert arns.rewrite("arn:aws:sqs:us-east-1:123456789012:q") == "arn:aws:sqs:us-east-1:000000000000:q"
