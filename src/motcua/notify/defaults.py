"""The first version of every message (issue 5 §4). Operators add later versions in the admin.

``REQUIRED`` are the notices the law requires: a citizen's preferences choose their channel
but cannot switch them off.
"""

from __future__ import annotations

from motcua.core.text import unaccented

SIGNATURE = "\n\n— Hệ thống một cửa điện tử (thư tự động, vui lòng không trả lời)."

REQUIRED = frozenset(
    {"received", "supplement_requested", "refused", "stopped", "apologised", "result_ready"}
)

# key → (e-mail subject, e-mail body, SMS text)
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "received": (
        "Đã tiếp nhận hồ sơ {code}",
        "Kính gửi {owner_name},\n\n{agency} đã tiếp nhận hồ sơ {code} ({procedure}). "
        "Ngày hẹn trả kết quả: {due}." + SIGNATURE,
        "{agency} đã tiếp nhận hồ sơ {code}. Hẹn trả kết quả: {due}.",
    ),
    "supplement_requested": (
        "Yêu cầu bổ sung hồ sơ {code}",
        "Kính gửi {owner_name},\n\nHồ sơ {code} ({procedure}) cần bổ sung, hoàn thiện các nội "
        "dung sau:\n{missing}\n\nVui lòng bổ sung một lần đầy đủ." + SIGNATURE,
        "Hồ sơ {code} cần bổ sung: {missing_short}. Xem chi tiết trên Cổng dịch vụ công.",
    ),
    "refused": (
        "Từ chối tiếp nhận hồ sơ {code}",
        "Kính gửi {owner_name},\n\n{agency} từ chối tiếp nhận hồ sơ {code} ({procedure}) vì: "
        "{reason}" + SIGNATURE,
        "Hồ sơ {code} bị từ chối tiếp nhận: {reason}",
    ),
    "stopped": (
        "Dừng giải quyết hồ sơ {code}",
        "Kính gửi {owner_name},\n\nHồ sơ {code} ({procedure}) được dừng giải quyết vì: "
        "{reason}" + SIGNATURE,
        "Hồ sơ {code} được dừng giải quyết: {reason}",
    ),
    "apologised": (
        "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        "Kính gửi {owner_name},\n\nHồ sơ {code} ({procedure}) chưa giải quyết kịp hạn "
        "{old_due} vì: {reason}. Chúng tôi xin lỗi và hẹn trả kết quả vào {due_time}." + SIGNATURE,
        "Xin lỗi: hồ sơ {code} trễ hạn {old_due}. Hẹn trả kết quả mới: {due_time}.",
    ),
    "result_ready": (
        "Đã có kết quả hồ sơ {code}",
        "Kính gửi {owner_name},\n\nHồ sơ {code} ({procedure}) đã có kết quả. Hình thức "
        "nhận: {delivery}." + SIGNATURE,
        "Hồ sơ {code} đã có kết quả. Hình thức nhận: {delivery}.",
    ),
    "returned": (
        "Đã trả kết quả hồ sơ {code}",
        "Kính gửi {owner_name},\n\nKết quả hồ sơ {code} ({procedure}) đã được trả ({delivery})."
        + SIGNATURE,
        "Kết quả hồ sơ {code} đã được trả ({delivery}).",
    ),
    "payment_received": (
        "Đã nhận thanh toán phí hồ sơ {code}",
        "Kính gửi {owner_name},\n\nHệ thống đã nhận {amount} phí, lệ phí của hồ sơ {code} "
        "(giao dịch {reference})." + SIGNATURE,
        "Đã nhận {amount} phí hồ sơ {code} (GD {reference}).",
    ),
    "shipment_update": (
        "Bưu chính: hồ sơ {code} — {shipment_status}",
        "Kính gửi {owner_name},\n\nBưu gửi {tracking} của hồ sơ {code}: {shipment_status}."
        + SIGNATURE,
        "Bưu gửi {tracking} (hồ sơ {code}): {shipment_status}.",
    ),
    "otp": (
        "Mã xác minh Cổng dịch vụ công: {code}",
        "Mã xác minh của bạn là {code}. Mã có hiệu lực {minutes} phút. Không cung cấp mã này "
        "cho bất kỳ ai, kể cả người tự xưng là cán bộ." + SIGNATURE,
        "Mã xác minh Cổng dịch vụ công: {code}. Hiệu lực {minutes} phút. Không cung cấp mã "
        "cho bất kỳ ai.",
    ),
    "officer_due_soon": (
        "Hồ sơ {code} sắp đến hạn ({due})",
        "Hồ sơ {code} ({procedure}) tại {agency} đến hạn trả kết quả vào {due}." + SIGNATURE,
        "Hồ sơ {code} sắp đến hạn: {due}.",
    ),
    "officer_overdue": (
        "Hồ sơ {code} đã quá hạn ({due})",
        "Hồ sơ {code} ({procedure}) tại {agency} đã quá hạn trả kết quả ({due})." + SIGNATURE,
        "Hồ sơ {code} đã quá hạn ({due}).",
    ),
    "consultation_asked": (
        "Xin ý kiến về hồ sơ {code}",
        "{asking_agency} xin ý kiến {agency} về hồ sơ {code} ({procedure}): {question}. Hạn "
        "trả lời: {due}." + SIGNATURE,
        "{asking_agency} xin ý kiến về hồ sơ {code}. Hạn trả lời: {due}.",
    ),
}


def load(template_model) -> int:
    """Version 1 of each template not there yet (a data migration and ``seed_demo`` call
    this); never touches an existing version."""
    made = 0
    for key, (subject, body, sms) in TEMPLATES.items():
        for channel, values in (
            ("email", {"subject": subject, "body": body}),
            ("sms", {"body": sms, "body_unaccented": unaccented(sms)}),
        ):
            _, created = template_model.objects.get_or_create(
                key=key, channel=channel, version=1, defaults=values
            )
            made += created
    return made
