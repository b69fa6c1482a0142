"""Money is integer đồng (DESIGN: Money), shown as ``1.000.000 đ``."""


def format_vnd(amount: int | None) -> str:
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"money must be integer đồng, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " đ"
