"""What can go wrong with an action, each with a Vietnamese message and the HTTP status the
API maps it to (issue 3 §7)."""


class DossierError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotVisible(DossierError):
    """Unknown, or not yours: the same answer, so existence is not revealed."""

    status = 404

    def __init__(self, message: str = "Không tìm thấy hồ sơ."):
        super().__init__(message)


class NotPermitted(DossierError):
    status = 403


class InvalidTransition(DossierError):
    status = 409


class ConcurrentUpdate(DossierError):
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại hồ sơ rồi thực hiện lại."
        )


class InvalidInput(DossierError):
    status = 422

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class OnlineFilingClosed(DossierError):
    """Deployment model 2: citizens file online on the national portal, not here."""

    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Hồ sơ trực tuyến được nộp trên Cổng Dịch vụ công quốc gia; hệ thống này tiếp nhận "
            "hồ sơ từ Cổng quốc gia, tại bộ phận một cửa và qua bưu chính công ích."
        )
