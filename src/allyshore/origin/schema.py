"""JSON Schemas of the origin case (input) and of the determination (output), issue 3 section 1.

>>> sorted(result_schema()["required"])
['alternative', 'criterion', 'explanation', 'originating', 'rvc', 'tariff_shift']
"""

from __future__ import annotations

from typing import Any

from allyshore.origin.case import CaseIn


def case_schema() -> dict[str, Any]:
    """JSON Schema of the origin case format v1."""
    schema = CaseIn.model_json_schema()
    schema["title"] = "allyshore origin case v1"
    return schema


def result_schema() -> dict[str, Any]:
    """JSON Schema of an origin determination (`allyshore origin determine --json`)."""
    number = {"type": "number"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "allyshore origin determination v1",
        "type": "object",
        "required": ["originating", "criterion", "alternative", "rvc", "tariff_shift", "explanation"],
        "properties": {
            "originating": {"type": "boolean"},
            "criterion": {"enum": ["A", "B", "C", "D", "E", None]},
            "alternative": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "0-based index of the alternative met",
            },
            "rvc": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["method", "value", "threshold", "vnm"],
                        "properties": {
                            "method": {"enum": ["transaction_value", "net_cost"]},
                            "value": {**number, "description": "percent, unrounded"},
                            "threshold": {**number, "description": "percent"},
                            "transaction_value": number,
                            "net_cost": number,
                            "vnm": number,
                        },
                    },
                ]
            },
            "tariff_shift": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["passed", "failing_materials", "de_minimis"],
                        "properties": {
                            "passed": {"type": "boolean"},
                            "failing_materials": {"type": "array", "items": {"type": "string"}},
                            "de_minimis": {
                                "type": "object",
                                "required": ["applied", "share"],
                                "properties": {"applied": {"type": "boolean"}, "share": {"type": ["number", "null"]}},
                            },
                        },
                    },
                ]
            },
            "explanation": {"type": "array", "items": {"type": "string"}},
            "good": {"type": "object"},
            "rule": {
                "type": "object",
                "properties": {
                    "source": {
                        "type": ["string", "null"],
                        "description": "the library source, or 'user' for a rule given in the case or the network",
                    },
                    "verified": {"type": ["boolean", "null"], "description": "always false for a user's rule"},
                    "scope": {"type": "string", "description": "end use and product the library rule is for"},
                    "citation": {"type": "string", "description": "the source a user's rule cites"},
                },
            },
            "failed_requirements": {"type": "array", "items": {"type": "string"}},
            "attestations": {"type": "array", "items": {"type": "string"}},
            "cautions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "what to check before relying on the verdict (user or unverified rules, list entries)",
            },
        },
    }
