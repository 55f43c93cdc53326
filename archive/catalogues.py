"""Code lists of the clerical domain, as data (DOMAIN §2.3, §2.6, API.md).

Document types and abbreviations are [V] (Decree 30, Phụ lục III §I) and are
seeded into the ``document_types`` table, so an agency administrator can add
its own without a code change. The enums below are the API vocabulary.
"""
from __future__ import annotations

# (code, Vietnamese name, abbreviation used in the ký hiệu; "" = none)
DOCUMENT_TYPES: tuple[tuple[str, str, str], ...] = (
    ("NQ", "Nghị quyết", "NQ"), ("QD", "Quyết định", "QĐ"), ("CT", "Chỉ thị", "CT"),
    ("QC", "Quy chế", "QC"), ("QYD", "Quy định", "QyĐ"), ("TC", "Thông cáo", "TC"),
    ("TB", "Thông báo", "TB"), ("HD", "Hướng dẫn", "HD"), ("CTR", "Chương trình", "CTr"),
    ("KH", "Kế hoạch", "KH"), ("PA", "Phương án", "PA"), ("DEA", "Đề án", "ĐA"),
    ("DA", "Dự án", "DA"), ("BC", "Báo cáo", "BC"), ("BB", "Biên bản", "BB"),
    ("TTR", "Tờ trình", "TTr"), ("HDONG", "Hợp đồng", "HĐ"), ("CV", "Công văn", ""),
    ("CD", "Công điện", "CĐ"), ("BGN", "Bản ghi nhớ", "BGN"), ("BTT", "Bản thỏa thuận", "BTT"),
    ("GUQ", "Giấy ủy quyền", "GUQ"), ("GM", "Giấy mời", "GM"), ("GGT", "Giấy giới thiệu", "GGT"),
    ("GNP", "Giấy nghỉ phép", "GNP"), ("PG", "Phiếu gửi", "PG"), ("PC", "Phiếu chuyển", "PC"),
    ("PB", "Phiếu báo", "PB"), ("THC", "Thư công", ""),
    # Legal normative documents received from other bodies (outside Điều 7).
    ("LUAT", "Luật", ""), ("ND", "Nghị định", "NĐ"), ("TT", "Thông tư", "TT"),
    ("KHAC", "Văn bản khác", ""),
)

URGENCY = ("normal", "urgent", "very_urgent", "flash")
URGENCY_LABELS = {"normal": "Thường", "urgent": "Khẩn", "very_urgent": "Thượng khẩn",
                  "flash": "Hỏa tốc"}
# Sort key: flash first (DOMAIN §2.2: urgent documents handled immediately).
URGENCY_RANK = {"flash": 0, "very_urgent": 1, "urgent": 2, "normal": 3}

CONFIDENTIALITY = ("normal", "confidential", "secret", "top_secret")
CONFIDENTIALITY_LABELS = {"normal": "Thường", "confidential": "Mật", "secret": "Tối mật",
                          "top_secret": "Tuyệt mật"}

CHANNELS = ("paper", "email", "exchange")
CHANNEL_LABELS = {"paper": "Bản giấy", "email": "Thư điện tử", "exchange": "Liên thông"}

# edXML status vocabulary (DOMAIN §6.4); registration itself is "registered".
STATUS_LABELS = {"registered": "Đã vào sổ", "assigned": "Đã phân phối (04)",
                 "in_progress": "Đang xử lý (05)", "done": "Hoàn thành (06)",
                 "recalled": "Đã thu hồi", "replaced": "Đã bị thay thế"}

ROLES = ("clerk", "leader", "office_head", "department_head", "specialist", "archivist",
         "admin")
ROLE_LABELS = {"clerk": "Văn thư", "leader": "Lãnh đạo", "office_head": "Chánh Văn phòng",
               "department_head": "Trưởng phòng", "specialist": "Chuyên viên",
               "archivist": "Lưu trữ", "admin": "Quản trị"}
