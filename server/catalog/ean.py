"""EAN-13: the barcodes on grocery products."""


def ean13_check_digit(first12: str) -> int:
    """The check digit that completes twelve digits into a valid EAN-13."""
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first12))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    """True for thirteen ASCII digits whose last one is the right check digit."""
    return (
        len(code) == 13
        and code.isascii()
        and code.isdigit()
        and ean13_check_digit(code[:12]) == int(code[12])
    )
