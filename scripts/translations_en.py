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
 # Routing: inbox, tasks, trail (Phiếu giải quyết văn bản đến), notifications
 'Việc cần xử lý': 'To do', 'Quá hạn': 'Overdue', 'Thông báo': 'Notifications',
 'Phạm vi': 'Scope', 'Của tôi': 'Mine', 'Đã ủy quyền': 'Delegated',
 'Quá hạn theo đơn vị': 'Overdue by department', 'Đơn vị': 'Department', 'Bước': 'Step',
 'Hạn': 'Due', 'hạn': 'due', 'Người giữ': 'Held by', 'Ủy quyền cho': 'Delegated to',
 'Chưa nhận': 'Not taken yet', 'Không có việc nào.': 'No tasks.', 'Quyết định': 'Decision',
 'bởi': 'by', 'Đang giữ': 'Held by', 'Giao cho': 'Assigned to',
 'Việc chung của nhóm': 'Shared group task',
 'Công việc này đã được xử lý.': 'This task has already been handled.',
 'Trình văn bản tới': 'Submit the document to',
 'Chánh Văn phòng xem xét, đề xuất': 'Chief of Office to review and propose',
 'Lãnh đạo cho ý kiến chỉ đạo': 'Leadership to give direction',
 'Chuyển thẳng đơn vị xử lý': 'Send straight to the handling department',
 'Đơn vị chủ trì (khi chuyển thẳng)': 'Lead department (when sent straight)',
 'Trình lãnh đạo': 'Submit to leadership',
 'Ý kiến đề xuất / lý do trả lại': 'Proposal / reason for sending back',
 'Cho ý kiến chỉ đạo': 'Give direction',
 'Ý kiến chỉ đạo (bút phê) / lý do trả lại': 'Direction (instruction) / reason for sending back',
 'Trả lại lãnh đạo': 'Send back to leadership', 'Chuyên viên xử lý': 'Handling officer',
 'Hạn của chuyên viên': "Officer's deadline",
 'Ý kiến phân công / lý do trả lại': 'Assignment note / reason for sending back',
 'Kết quả xử lý / đề xuất': 'Result / proposal',
 'Tệp kèm theo (PDF hoặc ảnh)': 'Attachments (PDF or images)',
 'Thống nhất': 'Agree', 'Có ý kiến khác': 'Different opinion',
 'Duyệt, hoàn thành': 'Approve and close', 'Trả lại chuyên viên': 'Send back to the officer',
 'Ý kiến / lý do trả lại': 'Comment / reason for sending back',
 'Ý kiến bước trước': 'Note from the previous step', 'Kết quả chuyên viên': "Officer's result",
 'Gửi': 'Send', 'Thu hồi ủy quyền': 'Withdraw delegation', 'Giao lại cho': 'Reassign to',
 'Phiếu giải quyết văn bản đến': 'Incoming document handling sheet',
 'Trình': 'Submission', 'Đề xuất': 'Proposal', 'Ý kiến chỉ đạo': 'Direction',
 'Phân công': 'Assign', 'Xử lý': 'Handling', 'Ý kiến phối hợp': 'Supporting opinion',
 'Duyệt kết quả': 'Result approval', 'Trả lại': 'Send back', 'Nhận xử lý': 'Take on',
 'Trả về nhóm': 'Return to group', 'Ủy quyền': 'Delegate', 'Giao lại': 'Reassign',
 'thay': 'on behalf of', 'Đơn vị chủ trì': 'Lead department',
 'Đơn vị phối hợp': 'Supporting departments', 'Nhận để biết': 'For information',
 'Người xử lý': 'Assignee', 'Hạn giải quyết': 'Handling deadline', 'Tệp kèm': 'Attachments',
 'Chưa có ý kiến xử lý.': 'No handling notes yet.',
 'Quy trình xử lý': 'Handling process', 'Đã hoàn thành quy trình.': 'Process completed.',
 'Đánh dấu tất cả đã đọc': 'Mark all as read', 'Đã đọc': 'Mark as read',
 'Không có thông báo.': 'No notifications.',
 'Đã chuyển bước “%(name)s”.': 'Step “%(name)s” completed.',
 'Bạn đã nhận xử lý công việc.': 'You have taken on the task.',
 'Đã trả công việc về nhóm.': 'Task returned to the group.',
 'Đã cập nhật ủy quyền.': 'Delegation updated.', 'Đã giao lại công việc.': 'Task reassigned.',
 # Administration: process versions and holidays
 'Quy trình': 'Processes', 'Quy trình và lịch làm việc': 'Processes and working calendar',
 'Quy trình xử lý (BPMN)': 'Handling processes (BPMN)', 'Phiên bản': 'Version',
 'Nguồn': 'Source', 'Ngày': 'Date', 'đang dùng': 'in use', 'Tải về': 'Download',
 'Tải lên phiên bản mới của sơ đồ. Sơ đồ được kiểm tra (lược đồ BPMN, làn, biểu mẫu, tác vụ dịch vụ, kịch bản) trước khi nhận. Văn bản mới theo phiên bản mới; văn bản đang xử lý giữ phiên bản cũ.':
     'Upload a new version of the diagram. It is checked (BPMN schema, lanes, forms, '
     'service tasks, scripts) before it is accepted. New documents follow the new version; '
     'documents in progress keep the old one.',
 'Tệp .bpmn': '.bpmn file', 'Tải lên': 'Upload',
 'Ngày nghỉ (không tính hạn xử lý)': 'Holidays (not counted in due dates)',
 'Mỗi dòng một ngày YYYY-MM-DD hoặc một khoảng YYYY-MM-DD..YYYY-MM-DD; # để ghi chú.':
     'One date YYYY-MM-DD or one range YYYY-MM-DD..YYYY-MM-DD per line; # starts a comment.',
 'Lưu ngày nghỉ': 'Save holidays',
 'Đã nhận quy trình %(key)s phiên bản %(v)s.': 'Process %(key)s version %(v)s accepted.',
 'Đã lưu %(n)s ngày nghỉ.': 'Holidays saved: %(n)s.',
 'Quy trình bị lỗi': 'Failed routes', 'Văn bản': 'Document',
 'Bắt đầu quy trình': 'Route started', 'Quy trình lỗi': 'Route failed',
 'Đổi trạng thái': 'Status changed', 'Xử lý bước': 'Step completed',
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
            if not message.string or "fuzzy" in message.flags:
                missing.append(message.id)
    with open(path, "wb") as fh:
        write_po(fh, catalog)
    print("untranslated:", missing)
