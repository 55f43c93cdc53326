"""English texts of the interface (source strings are Vietnamese).

Run after ``pybabel extract`` / ``update`` to fill translations/en; the
compiled catalogue is built by scripts/setup.sh.
"""
EN = {
 'Tên đăng nhập': 'Username', 'Mật khẩu': 'Password', 'Ghi nhớ đăng nhập': 'Remember me',
 'Bỏ qua điều hướng': 'Skip navigation', 'Chức năng': 'Functions',
 'Sổ văn bản đến': 'Incoming register', 'Vào sổ văn bản đến': 'Register incoming document',
 'In sổ': 'Print register', 'Quản trị': 'Administration', 'Đăng xuất': 'Log out',
 'Đăng xuất khỏi mọi thiết bị': 'Log out on every device', 'Mọi thiết bị': 'All devices',
 'Không thực hiện được': 'Could not be done', 'Về trang chính': 'Back to the start page',
 'Quản trị danh bạ': 'Directory administration', 'Chữ viết tắt': 'Abbreviation',
 'Mã định danh': 'Organ identifier', 'Phòng ban': 'Departments', 'Tên phòng ban': 'Department name',
 'Thêm phòng ban': 'Add department', 'Cán bộ': 'Staff', 'Họ tên': 'Full name',
 'Chức vụ, phòng ban, vai trò': 'Title, department, roles', 'đã khóa': 'disabled',
 'Chức vụ': 'Title', 'Hoạt động': 'Active', 'Mật khẩu mới': 'New password', 'Lưu': 'Save',
 'Thêm cán bộ': 'Add staff member', 'Vai trò': 'Roles', 'Đăng nhập': 'Log in',
 'Văn bản đến': 'Incoming document', 'Số đến': 'Arrival no.', 'Sổ': 'Register',
 'Ngày đến': 'Arrival date', 'Số, ký hiệu': 'Number and notation', 'Ngày văn bản': 'Issued date',
 'Loại văn bản': 'Document type', 'Cơ quan ban hành': 'Issuing body', 'Người ký': 'Signer',
 'Số trang': 'Pages', 'Độ khẩn': 'Urgency', 'Độ mật': 'Confidentiality', 'Hạn xử lý': 'Due date',
 'Đơn vị, người nhận': 'Recipients', 'Hình thức nhận': 'Received by', 'Trạng thái': 'Status',
 'Ghi chú': 'Notes', 'Người vào sổ': 'Registered by', 'Tệp': 'Files', 'Tệp chính': 'Main file',
 'Phụ lục': 'Attachment', 'trang': 'pages', 'Tải bản gốc': 'Download original',
 'Lịch sử xử lý': 'History', 'Thời gian': 'Time', 'Người thực hiện': 'By', 'Thao tác': 'Action',
 'Vào sổ': 'Register', 'Xem': 'Viewed', 'Xem tệp': 'Viewed file',
 'Trích yếu, số/ký hiệu': 'Subject, number/notation', 'Tìm': 'Search', 'Mọi sổ': 'All registers',
 'Mọi độ khẩn': 'Any urgency', 'Từ': 'From', 'Đến': 'To', 'Lọc': 'Filter', 'Ngày VB': 'Issued',
 'Trích yếu': 'Subject', 'Chưa có văn bản nào.': 'No documents yet.', 'Trang': 'Page',
 'Trước': 'Previous', 'Sau': 'Next', 'bắt buộc': 'required',
 'Có thể trùng văn bản đã vào sổ': 'Possibly a duplicate of a registered document',
 'Tôi đã kiểm tra, đây là văn bản khác: vẫn vào sổ':
     'I checked: this is a different document, register it anyway',
 'Tệp văn bản': 'Files', 'Đã giữ lại các tệp đã gửi:': 'The files you sent were kept:',
 'Chỉ chọn lại tệp nếu muốn thay.': 'Choose files again only to replace them.',
 'Tệp chính (PDF hoặc ảnh quét JPEG, PNG, TIFF)': 'Main file (PDF or scanned JPEG, PNG, TIFF)',
 'Phụ lục, tệp kèm theo': 'Attachments', 'Thông tin văn bản': 'Document details', 'Số': 'Number',
 'Ký hiệu': 'Notation', 'Ví dụ: QĐ-UBND': 'Example: QĐ-UBND', 'chọn': 'choose',
 'Cơ quan ban hành (tác giả)': 'Issuing body (author)',
 'Mã định danh cơ quan ban hành': 'Issuing body identifier', 'Trích yếu nội dung': 'Subject',
 'Chức vụ người ký': 'Signer title', 'Sổ đăng ký': 'Register',
 'Tự chọn theo năm và độ mật': 'Automatic (by year and confidentiality)',
 'Mặc định: hôm nay': 'Default: today', 'Đơn vị hoặc người nhận': 'Recipient units or people',
 'In sổ đăng ký văn bản đến': 'Print the incoming register', 'Từ ngày': 'From',
 'Đến ngày': 'To', 'Định dạng': 'Format', 'Tải sổ': 'Download register',
 'Chưa có sổ nào.': 'No register yet.',
 'Vui lòng đăng nhập để tiếp tục.': 'Please log in to continue.',
 'Đã đăng xuất khỏi mọi thiết bị.': 'Logged out on every device.',
 'Đã vào sổ: số đến %(number)s — %(register)s.': 'Registered: arrival no. %(number)s — %(register)s.',
 'Đã thêm phòng ban.': 'Department added.', 'Đã thêm cán bộ.': 'Staff member added.',
 'Đã cập nhật %(username)s.': '%(username)s updated.',
 'Không tìm thấy cán bộ.': 'Staff member not found.',
 'Không tìm thấy phòng ban.': 'Department not found.',
 'Đã cập nhật thông tin cơ quan.': 'Organisation updated.', 'Tên cơ quan': 'Organisation name',
 'Cơ quan chủ quản': 'Parent body', 'Địa danh': 'Place name',
}

if __name__ == "__main__":
    from babel.messages.pofile import read_po, write_po
    path = "translations/en/LC_MESSAGES/messages.po"
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in catalog:
        if message.id:
            if message.id in EN:
                message.string = EN[message.id]
                message.flags.discard("fuzzy")
            if not message.string:
                missing.append(message.id)
    with open(path, "wb") as fh:
        write_po(fh, catalog)
    print("untranslated:", missing)
