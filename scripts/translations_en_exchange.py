"""English of the exchange pages' Vietnamese msgids (app/exchange, templates/exchange)."""

EN = {
    "Văn bản điện tử đến": "Received electronic documents",
    "Văn bản các cơ quan khác gửi qua trục liên thông, chờ văn thư tiếp nhận (vào sổ) hoặc từ chối.":
        "Documents other agencies sent through the exchange, waiting for the clerk to accept "
        "(register) or refuse them.",
    "Cơ quan gửi": "Sender",
    "Nhận lúc": "Received at",
    "Không có văn bản điện tử nào chờ tiếp nhận.": "No received electronic document is waiting.",
    "Tệp đính kèm": "Attached files",
    "Gói tin không có tệp văn bản.": "The package carries no file.",
    "Tiếp nhận và vào sổ": "Accept and register",
    "Các thông tin dưới đây lấy từ gói tin; kiểm tra, sửa nếu cần rồi tiếp nhận. Cơ quan gửi sẽ được báo “Đã tiếp nhận” (03).":
        "The fields below come from the package; check them, correct them if needed, then "
        "accept. The sender will be told “Accepted” (03).",
    "Tiếp nhận": "Accept",
    "Từ chối tiếp nhận": "Refuse",
    "Lý do từ chối": "Reason for refusing",
    "Từ chối và báo cơ quan gửi (02)": "Refuse and tell the sender (02)",
    "Đã tiếp nhận và vào sổ: số đến %(number)s — %(register)s. Đã báo cơ quan gửi (03).":
        "Accepted and registered: arrival number %(number)s — %(register)s. The sender was "
        "told (03).",
    "Đã từ chối tiếp nhận và báo lý do cho cơ quan gửi (02).":
        "Refused; the reason was sent to the sender (02).",
    "Đã lưu nơi nhận điện tử: %(n)s cơ quan. Văn bản sẽ được gửi khi phát hành.":
        "Electronic recipients saved: %(n)s agencies. The document is sent when issued.",
    "Đã gửi yêu cầu thu hồi (13) tới %(n)s cơ quan nhận.":
        "Recall request (13) sent to %(n)s recipient agencies.",
    "Đã đưa gói tin vào hàng đợi gửi lại.": "The package is queued to be sent again.",
    "Nơi nhận điện tử": "Electronic recipients",
    "Chưa chọn cơ quan nhận qua trục liên thông.": "No agency chosen to receive it through the exchange.",
    "Gửi điện tử tới (gói tin được gửi khi phát hành)":
        "Send electronically to (the package is sent at issue)",
    "Mã định danh khác (cách nhau bởi dấu phẩy)": "Other organ identifiers (comma separated)",
    "Lưu nơi nhận điện tử": "Save electronic recipients",
    "Cơ quan chưa có mã định danh nên không gửi văn bản điện tử được.":
        "The agency has no organ identifier, so it cannot send electronic documents.",
    "Cơ quan nhận": "Recipient agency",
    "Gửi": "Delivery",
    "Số lần gửi": "Attempts",
    "Lỗi gần nhất": "Last error",
    "Trạng thái nhận được": "Statuses received",
    "Chưa gửi": "Not sent",
    "Đã gửi": "Delivered",
    "Gửi thất bại": "Delivery failed",
    "Đang chờ gửi": "Waiting to be sent",
    "Đã yêu cầu thu hồi": "Recall requested",
    "Gửi lại": "Resend",
    "Lý do thu hồi": "Reason for the recall",
    "Thu hồi văn bản đã gửi": "Recall the sent document",
    "Văn bản không gửi qua trục liên thông.": "The document was not sent through the exchange.",
    "Đã thu hồi": "Recalled",
}
