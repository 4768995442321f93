"""The ErrorCode registry: every stable error code with its HTTP status and retryability."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ErrorSpec(NamedTuple):
    http_status: int
    retryable: bool
    message: str


class ErrorCode(StrEnum):
    """Stable error codes. The value is the wire form; never rename a member."""

    # input and API
    VALIDATION_FAILED = "validation_failed"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PRECONDITION_FAILED = "precondition_failed"
    # story input
    INPUT_EMPTY = "input_empty"
    INPUT_BINARY = "input_binary"
    INPUT_TOO_LARGE = "input_too_large"
    INPUT_ENCODING = "input_encoding"
    INPUT_UNREADABLE = "input_unreadable"
    INPUT_TOO_SHORT = "input_too_short"
    # orchestration
    PIPELINE_NOT_FOUND = "pipeline_not_found"
    SKILL_NOT_FOUND = "skill_not_found"
    RUN_NOT_FOUND = "run_not_found"
    JOB_NOT_FOUND = "job_not_found"
    TRACE_NOT_FOUND = "trace_not_found"
    ILLEGAL_TRANSITION = "illegal_transition"
    STALE_ATTEMPT = "stale_attempt"
    LEASE_EXPIRED = "lease_expired"
    JOB_TIMEOUT = "job_timeout"
    WORKER_CRASHED = "worker_crashed"
    UPSTREAM_FAILED = "upstream_failed"
    RUN_CANCELLED = "run_cancelled"
    APPROVAL_REJECTED = "approval_rejected"
    RETRIES_EXHAUSTED = "retries_exhausted"
    SKILL_FAILED = "skill_failed"
    TRANSIENT_FAILURE = "transient_failure"
    # governance (seams for later issues)
    BUDGET_EXCEEDED = "budget_exceeded"
    BUDGET_EXHAUSTED = "budget_exhausted"
    BUDGET_INSUFFICIENT = "budget_insufficient"
    POLICY_DENIED = "policy_denied"
    # skill registry (issue 11)
    INVALID_INPUT = "invalid_input"
    INVALID_OUTPUT = "invalid_output"
    SKILL_VERSION_CONFLICT = "skill_version_conflict"
    SKILL_VERSION_MISMATCH = "skill_version_mismatch"
    POLICY_INVALID = "policy_invalid"
    APPROVAL_EXPIRED = "approval_expired"
    APPROVAL_NOT_FOUND = "approval_not_found"
    SELF_APPROVAL = "self_approval"
    APPROVAL_MISMATCH = "approval_mismatch"
    # sandboxed user skills (nexus.sandbox)
    SANDBOX_TIMEOUT = "sandbox_timeout"
    SANDBOX_MEMORY = "sandbox_memory"
    SANDBOX_OUTPUT_TOO_LARGE = "sandbox_output_too_large"
    SANDBOX_DENIED = "sandbox_denied"
    SANDBOX_CRASHED = "sandbox_crashed"
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"
    INVALID_MANIFEST = "invalid_manifest"
    # model providers
    PROVIDER_NOT_FOUND = "provider_not_found"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PROVIDER_RATE_LIMITED = "provider_rate_limited"
    PROVIDER_ERROR = "provider_error"
    PROVIDER_RESPONSE_INVALID = "provider_response_invalid"
    NO_CAPABLE_PROVIDER = "no_capable_provider"
    # asset knowledge (issue 12)
    ASSET_TYPE_REFUSED = "asset_type_refused"
    ASSET_TOO_LARGE = "asset_too_large"
    ASSET_NOT_FOUND = "asset_not_found"
    EMBEDDING_MODEL_MISMATCH = "embedding_model_mismatch"
    # media engines
    MEDIA_TOOL_FAILED = "media_tool_failed"
    TTS_FAILED = "tts_failed"
    RENDER_FAILED = "render_failed"
    # studio asset matching (ADR 0240)
    ASSET_LIBRARY_UNAVAILABLE = "asset_library_unavailable"
    ASSET_UNUSABLE = "asset_unusable"
    BIBLE_INVALID = "bible_invalid"
    # agent sessions (issue 15)
    SESSION_NOT_FOUND = "session_not_found"
    SESSION_BUSY = "session_busy"  # a message while the session's agent run is still going
    AGENT_STEP_LIMIT = "agent_step_limit"
    TOOL_NOT_FOUND = "tool_not_found"
    TOOL_DENIED = "tool_denied"
    TOOL_INPUT_INVALID = "tool_input_invalid"
    # infrastructure
    STORAGE_ERROR = "storage_error"
    ARTIFACT_CORRUPT = "artifact_corrupt"
    DEPENDENCY_UNAVAILABLE = "dependency_unavailable"
    FONT_UNAVAILABLE = "font_unavailable"
    CONFIG_INVALID = "config_invalid"
    INTERNAL = "internal"
    # studio revisions (ADR 0272)
    CUE_NOT_FOUND = "cue_not_found"
    CUE_TIMING_INVALID = "cue_timing_invalid"
    REVISION_NOT_READY = "revision_not_ready"

    @property
    def spec(self) -> ErrorSpec:
        return REGISTRY[self]

    @property
    def http_status(self) -> int:
        return REGISTRY[self].http_status

    @property
    def retryable(self) -> bool:
        return REGISTRY[self].retryable

    @property
    def message(self) -> str:
        return REGISTRY[self].message


E = ErrorSpec
REGISTRY: dict[ErrorCode, ErrorSpec] = {
    ErrorCode.VALIDATION_FAILED: E(422, False, "The request failed validation."),
    ErrorCode.NOT_FOUND: E(404, False, "No such object."),
    ErrorCode.CONFLICT: E(409, False, "The object changed or already exists."),
    ErrorCode.UNAUTHENTICATED: E(401, False, "Missing, expired or invalid credentials."),
    ErrorCode.FORBIDDEN: E(403, False, "Your role does not allow this action."),
    ErrorCode.RATE_LIMITED: E(429, True, "Too many requests; retry later."),
    ErrorCode.PAYLOAD_TOO_LARGE: E(413, False, "The request body is too large."),
    ErrorCode.IDEMPOTENCY_MISMATCH: E(
        422, False, "This Idempotency-Key was used with a different request body."
    ),
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: E(
        409, True, "A request with this Idempotency-Key is still being processed."
    ),
    ErrorCode.METHOD_NOT_ALLOWED: E(
        405, False, "This resource does not support that method; see the Allow header."
    ),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: E(
        415, False, "The request body's Content-Type is not one this operation accepts."
    ),
    ErrorCode.PRECONDITION_FAILED: E(
        412, False, "The object changed since you read it (If-Match does not match its ETag)."
    ),
    ErrorCode.INPUT_EMPTY: E(422, False, "The story is empty."),
    ErrorCode.INPUT_BINARY: E(422, False, "The input is binary, not text."),
    ErrorCode.INPUT_TOO_LARGE: E(413, False, "The story is larger than the allowed size."),
    ErrorCode.INPUT_ENCODING: E(422, False, "The input is not valid UTF-8 text."),
    ErrorCode.INPUT_UNREADABLE: E(422, False, "The input file cannot be read."),
    ErrorCode.INPUT_TOO_SHORT: E(
        422, False, "The story is too short to make a video (about 2 s of speech at least)."
    ),
    ErrorCode.PIPELINE_NOT_FOUND: E(404, False, "No pipeline with that name is registered."),
    ErrorCode.SKILL_NOT_FOUND: E(404, False, "No skill with that name and version is registered."),
    ErrorCode.RUN_NOT_FOUND: E(404, False, "No such run."),
    ErrorCode.TRACE_NOT_FOUND: E(
        404, False, "No spans of this run were recorded (tracing off, or not the file exporter)."
    ),
    ErrorCode.JOB_NOT_FOUND: E(404, False, "No such job."),
    ErrorCode.ILLEGAL_TRANSITION: E(409, False, "That state change is not allowed now."),
    ErrorCode.STALE_ATTEMPT: E(409, False, "The claim was superseded by a newer attempt."),
    ErrorCode.LEASE_EXPIRED: E(503, True, "The worker's lease expired before it finished."),
    ErrorCode.JOB_TIMEOUT: E(504, True, "The job ran past its timeout."),
    ErrorCode.WORKER_CRASHED: E(503, True, "The worker process died while running the job."),
    ErrorCode.UPSTREAM_FAILED: E(424, False, "A job this one depends on failed."),
    ErrorCode.RUN_CANCELLED: E(409, False, "The run was cancelled."),
    ErrorCode.APPROVAL_REJECTED: E(403, False, "The approval for this job was rejected."),
    ErrorCode.RETRIES_EXHAUSTED: E(500, False, "The job failed on every allowed attempt."),
    ErrorCode.SKILL_FAILED: E(500, False, "The skill raised an unexpected error."),
    ErrorCode.TRANSIENT_FAILURE: E(503, True, "A transient failure; the job will be retried."),
    ErrorCode.BUDGET_EXCEEDED: E(402, False, "The budget does not cover this work."),
    ErrorCode.BUDGET_EXHAUSTED: E(
        402, False, "No budget is left to reserve for this call; nothing was dispatched."
    ),
    ErrorCode.BUDGET_INSUFFICIENT: E(
        402, False, "The estimate exceeds the remaining budget and the policy refuses to degrade."
    ),
    ErrorCode.POLICY_DENIED: E(403, False, "A policy forbids this action."),
    ErrorCode.INVALID_INPUT: E(422, False, "The job's input does not match its skill's schema."),
    ErrorCode.INVALID_OUTPUT: E(
        500, False, "The skill's output does not match its output schema; nothing was committed."
    ),
    ErrorCode.SKILL_VERSION_CONFLICT: E(
        409,
        False,
        "This skill version exists with other content (schemas, permissions or code); versions"
        " are immutable: publish a new version.",
    ),
    ErrorCode.SKILL_VERSION_MISMATCH: E(
        409, False, "The worker has another version of the skill than the run pinned."
    ),
    ErrorCode.POLICY_INVALID: E(422, False, "The policy does not compile or fails its own tests."),
    ErrorCode.APPROVAL_EXPIRED: E(409, False, "The approval request expired; start again."),
    ErrorCode.APPROVAL_NOT_FOUND: E(404, False, "No such approval request in your tenant."),
    ErrorCode.SELF_APPROVAL: E(403, False, "You cannot approve your own request or run."),
    ErrorCode.APPROVAL_MISMATCH: E(
        409, False, "The approval is bound to another job or input; it cannot be reused."
    ),
    ErrorCode.SANDBOX_TIMEOUT: E(504, False, "The sandboxed skill ran past its deadline."),
    ErrorCode.SANDBOX_MEMORY: E(507, False, "The sandboxed skill ran past its memory cap."),
    ErrorCode.SANDBOX_OUTPUT_TOO_LARGE: E(
        507, False, "The sandboxed skill wrote more output than it may."
    ),
    ErrorCode.SANDBOX_DENIED: E(
        403, False, "The sandboxed skill tried something it may not (files, network, processes)."
    ),
    ErrorCode.SANDBOX_CRASHED: E(500, False, "The sandboxed skill failed or crashed."),
    ErrorCode.SANDBOX_UNAVAILABLE: E(
        503, False, "The sandbox runtime is not available on this host."
    ),
    ErrorCode.INVALID_MANIFEST: E(422, False, "The skill manifest is invalid."),
    ErrorCode.PROVIDER_NOT_FOUND: E(404, False, "No such provider or model is configured."),
    ErrorCode.PROVIDER_UNAVAILABLE: E(503, True, "The provider is down or its circuit is open."),
    ErrorCode.PROVIDER_RATE_LIMITED: E(429, True, "The provider asked us to slow down."),
    ErrorCode.PROVIDER_ERROR: E(502, True, "The provider answered with an error."),
    ErrorCode.PROVIDER_RESPONSE_INVALID: E(
        502, True, "The provider's response did not match its protocol or the contract."
    ),
    ErrorCode.NO_CAPABLE_PROVIDER: E(
        503, False, "No enabled provider offers this capability for the project."
    ),
    ErrorCode.ASSET_TYPE_REFUSED: E(
        422, False, "The file's content is not of a kind this asset kind accepts."
    ),
    ErrorCode.ASSET_TOO_LARGE: E(413, False, "The asset is larger than the library accepts."),
    ErrorCode.ASSET_NOT_FOUND: E(404, False, "No such asset in this project's library."),
    ErrorCode.EMBEDDING_MODEL_MISMATCH: E(
        409, False, "The library's vectors come from another embedding model: reindex it."
    ),
    ErrorCode.MEDIA_TOOL_FAILED: E(500, True, "The media tool (ffmpeg) failed."),
    ErrorCode.TTS_FAILED: E(500, True, "Speech synthesis failed."),
    ErrorCode.RENDER_FAILED: E(500, True, "Rendering a frame or clip failed."),
    ErrorCode.ASSET_LIBRARY_UNAVAILABLE: E(
        409, False, "No asset library is configured (or it cannot add assets)."
    ),
    ErrorCode.ASSET_UNUSABLE: E(
        422, False, "The asset's file cannot be used (not a readable picture or sound)."
    ),
    ErrorCode.BIBLE_INVALID: E(
        422, False, "The entity bible is not a valid bible zip (manifest or checksums)."
    ),
    ErrorCode.SESSION_NOT_FOUND: E(404, False, "No agent session with that id in this tenant."),
    ErrorCode.SESSION_BUSY: E(
        409, True, "The session's previous message is still being answered; wait for it."
    ),
    ErrorCode.AGENT_STEP_LIMIT: E(
        422, False, "The agent took its step limit of model turns without answering."
    ),
    ErrorCode.TOOL_NOT_FOUND: E(404, False, "The model asked for a tool this session lacks."),
    ErrorCode.TOOL_DENIED: E(403, False, "The policy refuses this tool call."),
    ErrorCode.TOOL_INPUT_INVALID: E(
        422, False, "The tool call's arguments do not match the tool's input schema."
    ),
    ErrorCode.STORAGE_ERROR: E(503, True, "The artifact store could not be reached or written."),
    ErrorCode.ARTIFACT_CORRUPT: E(500, False, "An artifact's content does not match its checksum."),
    ErrorCode.DEPENDENCY_UNAVAILABLE: E(503, True, "A backing service is unavailable."),
    ErrorCode.FONT_UNAVAILABLE: E(
        500, False, "No installed font can draw this text (Chinese needs fonts-noto-cjk)."
    ),
    ErrorCode.CONFIG_INVALID: E(500, False, "The configuration is invalid."),
    ErrorCode.INTERNAL: E(500, False, "An internal error occurred."),
    ErrorCode.CUE_NOT_FOUND: E(404, False, "No subtitle cue with that id in this run."),
    ErrorCode.CUE_TIMING_INVALID: E(
        422, False, "The cue's timing leaves its shot or overlaps a neighbouring cue."
    ),
    ErrorCode.REVISION_NOT_READY: E(
        409, False, "The run has not produced what this revision edits yet; wait for it."
    ),
}
