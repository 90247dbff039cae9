"""Resource type token -> the mapper turning its inputs into AWS API requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from proof.aws_requests import access, containers, database, messaging, monitoring, network, storage
from proof.aws_requests.inputs import ApiRequest, Inputs, UnmappedInputError

_MAPPERS: dict[str, Callable[[str, Inputs], list[ApiRequest]]] = {
    **messaging.MAPPERS, **containers.MAPPERS, **network.MAPPERS, **access.MAPPERS, **monitoring.MAPPERS,
    **database.MAPPERS, **storage.MAPPERS,
}


def mapped_types() -> frozenset[str]:
    """Type tokens :func:`requests_for` knows."""
    return frozenset(_MAPPERS)


def requests_for(type_token: str, inputs: Mapping[str, Any], name: str = "resource") -> list[ApiRequest]:
    """The AWS API requests creating a resource of ``type_token`` with these inputs.

    ``name`` is the logical name (Pulumi derives unnamed resources' physical names from it).
    Raises :class:`UnmappedInputError` for an unknown type or input.
    """
    mapper = _MAPPERS.get(type_token)
    if mapper is None:
        raise UnmappedInputError(f"no AWS mapping for resource type {type_token}")
    return mapper(name, Inputs(type_token, inputs))
