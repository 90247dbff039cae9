"""The Django admin off the public ALB: a JSON 404 from the ALB unless adminAllowedCidrs lets an
operators' network through, and HEALTHKIT_ADMIN_ENABLED follows the same setting."""

from __future__ import annotations

import json


def _admin_rules(run) -> dict[int, dict]:
    return {r.inputs["priority"]: r.inputs for r in run.of_type("aws:lb/listenerRule:ListenerRule")}


def test_by_default_the_admin_is_off_and_the_alb_answers_it_404(stacks):
    for run in stacks:
        (rule,) = _admin_rules(run).values()
        assert rule["conditions"] == [{"pathPattern": {"values": ["/admin*"]}}]
        response = rule["actions"][0]["fixedResponse"]
        assert (response["statusCode"], response["contentType"]) == ("404", "application/json")
        assert json.loads(response["messageBody"]) == {"errors": [{"message": "not found"}]}
        assert run.environment("api", "api")["HEALTHKIT_ADMIN_ENABLED"] == "false"


def test_admin_allowed_cidrs_reach_the_admin_and_nobody_else(prod_admin):
    rules = _admin_rules(prod_admin)
    allowed = rules[10]
    assert {"sourceIp": {"values": ["203.0.113.0/24"]}} in allowed["conditions"]
    assert {"pathPattern": {"values": ["/admin*"]}} in allowed["conditions"]
    assert allowed["actions"][0]["type"] == "forward"
    assert rules[20]["actions"][0]["fixedResponse"]["statusCode"] == "404"  # everyone else
    assert prod_admin.environment("api", "api")["HEALTHKIT_ADMIN_ENABLED"] == "true"
