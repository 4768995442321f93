"""Small JSON schemas for the custom resources deploy/ uses (KEDA, Argo CD).

kubernetes-validate only knows built-in kinds. These cover the fields each controller requires
and the ones Nexus relies on, with additionalProperties closed where a typo would go unnoticed.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 253}
METADATA: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "namespace": NAME,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}
HPA_BEHAVIOR: Schema = {
    "type": "object",
    "properties": {
        "scaleUp": {"$ref": "#/$defs/rules"},
        "scaleDown": {"$ref": "#/$defs/rules"},
    },
    "additionalProperties": False,
}
SCALING_RULES: Schema = {
    "type": "object",
    "properties": {
        "stabilizationWindowSeconds": {"type": "integer", "minimum": 0, "maximum": 3600},
        "selectPolicy": {"enum": ["Max", "Min", "Disabled"]},
        "policies": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "value", "periodSeconds"],
                "properties": {
                    "type": {"enum": ["Pods", "Percent"]},
                    "value": {"type": "integer", "minimum": 1},
                    "periodSeconds": {"type": "integer", "minimum": 1, "maximum": 1800},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
RABBITMQ_TRIGGER: Schema = {
    "type": "object",
    "required": ["type", "metadata"],
    "properties": {
        "type": {"const": "rabbitmq"},
        "name": {"type": "string"},
        "metadata": {
            "type": "object",
            "required": ["queueName", "mode", "value"],
            "properties": {
                "protocol": {"enum": ["amqp", "http", "auto"]},
                "queueName": {"type": "string", "minLength": 1},
                "mode": {"enum": ["QueueLength", "MessageRate"]},
                # KEDA parses trigger metadata from strings only.
                "value": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                "activationValue": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                "vhostName": {"type": "string"},
                "hostFromEnv": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "authenticationRef": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": NAME, "kind": {"enum": ["TriggerAuthentication"]}},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
SCALED_OBJECT: Schema = {
    "$defs": {"rules": SCALING_RULES},
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": NAME,
                    },
                    "additionalProperties": False,
                },
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "advanced": {
                    "type": "object",
                    "properties": {
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "properties": {"name": NAME, "behavior": HPA_BEHAVIOR},
                            "additionalProperties": False,
                        },
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                },
                "triggers": {"type": "array", "minItems": 1, "items": RABBITMQ_TRIGGER},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
TRIGGER_AUTHENTICATION: Schema = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "TriggerAuthentication"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["secretTargetRef"],
            "properties": {
                "secretTargetRef": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["parameter", "name", "key"],
                        "properties": {
                            "parameter": {"type": "string"},
                            "name": NAME,
                            "key": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                }
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
ARGO_APPLICATION: Schema = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "argoproj.io/v1alpha1"},
        "kind": {"const": "Application"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["project", "source", "destination"],
            "properties": {
                "project": {"type": "string", "minLength": 1},
                "source": {
                    "type": "object",
                    "required": ["repoURL", "path", "targetRevision"],
                    "properties": {
                        "repoURL": {"type": "string", "pattern": r"^(https://|ssh://|git@)"},
                        "path": {"type": "string", "minLength": 1},
                        "targetRevision": {"type": "string", "minLength": 1},
                    },
                    "additionalProperties": False,
                },
                "destination": {
                    "type": "object",
                    "required": ["namespace"],
                    "oneOf": [{"required": ["server"]}, {"required": ["name"]}],
                    "properties": {
                        "server": {"type": "string"},
                        "name": {"type": "string"},
                        "namespace": NAME,
                    },
                    "additionalProperties": False,
                },
                "syncPolicy": {
                    "type": "object",
                    "properties": {
                        "automated": {
                            "type": "object",
                            "properties": {
                                "prune": {"type": "boolean"},
                                "selfHeal": {"type": "boolean"},
                                "allowEmpty": {"type": "boolean"},
                            },
                            "additionalProperties": False,
                        },
                        "syncOptions": {
                            "type": "array",
                            "items": {"type": "string", "pattern": r"^[A-Za-z]+=[A-Za-z0-9-]+$"},
                        },
                        "retry": {
                            "type": "object",
                            "properties": {
                                "limit": {"type": "integer"},
                                "backoff": {
                                    "type": "object",
                                    "properties": {
                                        "duration": {"type": "string"},
                                        "factor": {"type": "integer"},
                                        "maxDuration": {"type": "string"},
                                    },
                                    "additionalProperties": False,
                                },
                            },
                            "additionalProperties": False,
                        },
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

CRD_SCHEMAS: dict[tuple[str, str], Schema] = {
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
    ("argoproj.io/v1alpha1", "Application"): ARGO_APPLICATION,
}
