"""What each pulumi_aws resource would send to AWS, and whether AWS would accept it.

:func:`requests_for` maps a resource's inputs (engine property names, as recorded by
``proof.mockrun``) to the AWS API calls the provider makes to create it (e.g. an
``aws:sqs/queue:Queue`` becomes sqs ``CreateQueue`` with its ``Attributes``).
:func:`validate_request` checks a request against botocore's service model for that operation:
botocore's own ``ParamValidator`` (types, required and unknown members) plus what it leaves out
(enum values, including map keys such as SQS attribute names, and ``max`` lengths/ranges), plus
the documented value rules of a few string-typed payloads (SQS attribute values, alarm and
scaling-policy structure, dashboard and lifecycle JSON).

Each mapper consumes every input it knows and fails on any it does not, so a new argument in a
component cannot slip past the validation unmapped.

One concern per module: ``inputs`` (the request and the input reader), one mapper module per
service family (``messaging``, ``containers``, ``network``, ``access``, ``monitoring``,
``database``), ``mapping`` (type token -> mapper) and ``validation``.
"""

from proof.aws_requests.inputs import ApiRequest, UnmappedInputError
from proof.aws_requests.mapping import mapped_types, requests_for
from proof.aws_requests.validation import validate_request

__all__ = ["ApiRequest", "UnmappedInputError", "requests_for", "validate_request", "mapped_types"]
