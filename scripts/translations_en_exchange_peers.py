"""English texts of the admin's exchange-peers page (app/admin, templates/admin/exchange_peers.html).

Merged into ``scripts/translations_en.py`` by the lead; source strings are Vietnamese.
"""
EN = {
    "Cơ quan liên thông": "Exchange peers",
    "Cơ quan liên thông (hệ thống khác)": "Exchange peers (other installations)",
    "Các cơ quan dùng hệ thống eOffice khác mà cơ quan mình gửi nhận văn bản điện tử (edXML) trực tiếp.":
        "Agencies on other eOffice installations that this agency exchanges electronic "
        "documents (edXML) with directly.",
    "Đã lưu cơ quan liên thông %(organ)s.": "Exchange peer %(organ)s saved.",
    "Mã truy cập để cơ quan này gửi văn bản đến hệ thống mình (chỉ hiện một lần, hãy chép và chuyển cho quản trị của cơ quan đó qua kênh an toàn):":
        "Access token this agency uses to deliver documents to our system (shown only once: "
        "copy it and pass it to that agency's administrator through a secure channel):",
    "Mã truy cập": "Access token",
    "Địa chỉ nhận của hệ thống mình: địa chỉ trang web + %(path)s":
        "Our receiving address: this site's address + %(path)s",
    "Mã định danh": "Organ identifier",
    "Tên cơ quan": "Agency name",
    "Cách truyền": "Transport",
    "Địa chỉ": "Address",
    "Trạng thái": "Status",
    "Đang liên thông": "Active",
    "Đã ngừng": "Stopped",
    "Sửa": "Edit",
    "Ngừng liên thông": "Stop exchanging",
    "Chưa khai báo cơ quan liên thông nào.": "No exchange peer declared yet.",
    "Sửa cơ quan %(organ)s": "Edit agency %(organ)s",
    "Thêm cơ quan liên thông": "Add an exchange peer",
    "HTTPS đến eOffice khác": "HTTPS to another eOffice",
    "Trục liên thông / LGSP (chưa hỗ trợ)": "National axis / LGSP (not supported yet)",
    "Địa chỉ hệ thống của cơ quan đó": "Address of that agency's system",
    "Mã truy cập cơ quan đó cấp cho mình": "Access token that agency gave us",
    "Để trống để giữ mã đang dùng.": "Leave empty to keep the current token.",
    "Có thể bổ sung sau khi cơ quan đó cấp.": "May be added once that agency gives it.",
    "Cấp mã truy cập mới cho cơ quan này (mã cũ hết hiệu lực)":
        "Issue a new access token for this agency (the old one stops working)",
    "Lưu": "Save",
    "Thêm": "Add",
    "Hủy": "Cancel",
    "Không tìm thấy cơ quan liên thông.": "Exchange peer not found.",
    "Đã ngừng liên thông với %(organ)s.": "Stopped exchanging with %(organ)s.",
}
