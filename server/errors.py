"""Domain errors: raised by domain code, turned into the JSON error envelope by one middleware."""


class DomainError(Exception):
    """A failure the caller can understand and act on; carries its HTTP status and code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


class MalformedRequest(DomainError):
    status, code = 400, "malformed_request"


class RequestTimeout(DomainError):
    status, code = 408, "request_timeout"


class InvalidFields(DomainError):
    status, code = 422, "invalid_fields"


class NotFound(DomainError):
    status, code = 404, "not_found"


class UnknownKiosk(DomainError):
    status, code = 404, "unknown_kiosk"


class UnknownSku(DomainError):
    status, code = 422, "unknown_sku"


class ImplausibleLabel(DomainError):
    status, code = 422, "implausible_label"


class PriceChanged(DomainError):
    status, code = 409, "price_changed"


class IdempotencyKeyReused(DomainError):
    status, code = 422, "idempotency_key_reused"


class CentralLinkDown(DomainError):
    status, code = 503, "central_link_down"


class CentralUnavailable(DomainError):
    status, code = 503, "central_unavailable"


class StoreUnavailable(DomainError):
    status, code = 503, "store_unavailable"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class KioskMismatch(DomainError):
    status, code = 403, "kiosk_mismatch"


class CrossSiteRequest(DomainError):
    status, code = 403, "cross_site_request"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_requests"

    @classmethod
    def after(cls, wait_s: float, message: str) -> "TooManyRequests":
        """Refuse for now, telling the caller in whole seconds (at least 1) when to retry."""
        retry = max(1, round(wait_s + 0.5))
        return cls(message, {"retry_after_s": retry}, {"Retry-After": str(retry)})


class WrongStaffPin(DomainError):
    status, code = 403, "wrong_staff_pin"


class AgeCheckRequired(DomainError):
    status, code = 403, "age_check_required"


class LabelCheckRequired(DomainError):
    status, code = 403, "label_check_required"


class UnsupportedContentEncoding(DomainError):
    status, code = 415, "unsupported_content_encoding"


class BadSignature(DomainError):
    status, code = 401, "bad_signature"


class UnknownKey(DomainError):
    status, code = 401, "unknown_key"


class StaleSignature(DomainError):
    status, code = 401, "stale_signature"


class StoreMismatch(DomainError):
    status, code = 403, "store_mismatch"


class BatchTooLarge(DomainError):
    status, code = 413, "batch_too_large"


class HqBusy(DomainError):
    status, code = 503, "hq_busy"


class LedgerUnavailable(DomainError):
    status, code = 503, "ledger_unavailable"


class StatusFromTheFuture(DomainError):
    status, code = 422, "status_from_the_future"


class StatusOutOfOrder(DomainError):
    status, code = 409, "status_out_of_order"
