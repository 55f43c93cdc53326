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
 # Outgoing documents (văn bản đi): drafts, approvals, digital signatures, issuing
 'Văn bản đi': 'Outgoing documents', 'Dự thảo': 'Draft', 'Đã ký, chờ cấp số': 'Signed, awaiting number',
 'Đã cấp số, chờ phát hành': 'Numbered, awaiting dispatch', 'Đã phát hành': 'Dispatched',
 'Đã lưu': 'Filed', 'PDF tải lên': 'Uploaded PDF', 'DOCX tải lên': 'Uploaded DOCX',
 'Hệ thống tạo': 'System-generated', 'Duyệt nội dung': 'Content approval',
 'Kiểm tra thể thức': 'Form and layout check', 'Duyệt ký': 'Signing approval',
 'Đã tạo dự thảo “%(subject)s”. Hãy kiểm tra bản PDF rồi trình duyệt.':
     'Draft “%(subject)s” created. Check the PDF, then submit it for approval.',
 'Bản đã ban hành': 'Issued version', 'Bản đã ký, chờ cấp số': 'Signed version, awaiting number',
 'Dự thảo, phiên bản %(n)s': 'Draft, version %(n)s',
 'Chọn tệp dự thảo mới (PDF hoặc DOCX).': 'Choose the new draft file (PDF or DOCX).',
 'Đã tải lên phiên bản %(n)s. Các phê duyệt trước hết hiệu lực.':
     'Version %(n)s uploaded. Earlier approvals are no longer valid.',
 'Đã ký số văn bản. Văn bản được chuyển văn thư cấp số, phát hành.':
     'Document signed. It has gone to the clerk for numbering and dispatch.',
 'Ngày ban hành không hợp lệ (định dạng YYYY-MM-DD).': 'Invalid issue date (format YYYY-MM-DD).',
 'Đã cấp số %(number)s và ký số cơ quan.':
     'Number %(number)s issued and agency signature (seal) applied.',
 'Văn bản trả lời': 'Replies', 'Chưa có văn bản trả lời.': 'No replies yet.',
 'Soạn văn bản trả lời': 'Draft a reply', 'Chữ ký số': 'Digital signatures',
 'Cần bật JavaScript để kiểm tra chữ ký số.': 'JavaScript is needed to check digital signatures.',
 'Trình dự thảo': 'Draft submission', 'Ký số': 'Sign',
 'Cấp số, ký số cơ quan': 'Issue number, agency signature (seal)', 'Phát hành': 'Dispatch',
 'Quá trình xử lý văn bản đi': 'Outgoing document handling',
 'Danh sách văn bản đi': 'Outgoing document lists', 'Sổ văn bản đi': 'Outgoing register',
 'Soạn văn bản đi': 'Draft an outgoing document', 'Năm': 'Year', 'Ngày ban hành': 'Issue date',
 'Nơi nhận': 'Recipients', 'Chưa có văn bản nào được cấp số.': 'No numbered documents yet.',
 'Loại': 'Type', 'Người soạn': 'Drafter', 'Bước hiện tại': 'Current step',
 'Chưa có dự thảo nào.': 'No drafts yet.',
 'Trả lời văn bản đến số': 'Reply to incoming document no.',
 'Ví dụ: Về việc tổ chức Lễ hội Hoa Ban năm 2026':
     'Example: On organising the 2026 Hoa Ban Festival',
 'Mỗi nơi nhận một dòng. Dòng “- Lưu: VT, …” được thêm tự động.':
     'One recipient per line. The line “- Lưu: VT, …” is added automatically.',
 'Mặc định: VT và đơn vị soạn thảo, ví dụ “VT, QLVH”.':
     'Default: VT and the drafting department, for example “VT, QLVH”.',
 'Lãnh đạo ký': 'Signing leader', 'chọn khi trình': 'choose when submitting',
 'Thẩm quyền ký': 'Signing authority',
 'Ký thay, thay mặt… chức vụ': 'Title signed for / on behalf of',
 'Sau KT., TM., TL., Q., TUQ.: ví dụ “GIÁM ĐỐC”.':
     'After KT., TM., TL., Q., TUQ.: for example “GIÁM ĐỐC”.',
 'Ví dụ “PHÓ GIÁM ĐỐC”; để trống: lấy chức vụ của lãnh đạo.':
     "Example: “PHÓ GIÁM ĐỐC”; leave empty to use the leader's title.",
 'Nội dung dự thảo': 'Draft content', 'Cách tạo dự thảo': 'How to create the draft',
 'Hệ thống tạo văn bản': 'Generate the document',
 'Tải lên tệp dự thảo (PDF, DOCX)': 'Upload a draft file (PDF, DOCX)', 'Nội dung': 'Body text',
 'Các đoạn cách nhau bởi một dòng trống. Hệ thống trình bày quốc hiệu, tên cơ quan, số, ngày, chữ ký và nơi nhận theo Nghị định 30/2020/NĐ-CP.':
     'Separate paragraphs with a blank line. The system lays out the national heading, '
     'agency name, number, date, signature and recipients according to Decree 30/2020/NĐ-CP.',
 'Tệp dự thảo': 'Draft file', 'Vui lòng chọn lại tệp.': 'Please choose the file again.',
 'Để sẵn chỗ cho số, ngày và chữ ký; hệ thống tự tìm vị trí và hiển thị trên trang văn bản.':
     'Leave space for the number, date and signature; the system finds their positions '
     'and shows them on the document page.',
 'Tạo dự thảo': 'Create draft', 'Hủy': 'Cancel',
 'Phiên bản hiện tại chưa được duyệt đủ nội dung và thể thức (dự thảo đã thay đổi sau khi duyệt): chưa thể ký. Hãy trả lại để duyệt lại.':
     'The current version lacks content or form and layout approval (the draft changed '
     'after approval): it cannot be signed yet. Send it back to be approved again.',
 'Bạn duyệt và ký số': 'You approve and sign', 'phiên bản %(n)s': 'version %(n)s',
 'nội dung đã duyệt bởi': 'content approved by',
 'thể thức đã kiểm tra bởi': 'form and layout checked by',
 'Mã PIN của khóa ký số': 'Signing key PIN', 'Ý kiến (không bắt buộc)': 'Comment (optional)',
 'Không ký: trả lại dự thảo (ghi rõ lý do)': 'Do not sign: send the draft back (give the reason)',
 'Một thao tác: lấy số tiếp theo trong sổ, điền số và ngày vào bản lãnh đạo đã ký, ký số cơ quan (dấu) và ký số các tệp kèm theo.':
     'One action: takes the next number in the register, fills the number and date into '
     'the version signed by the leader, applies the agency signature (seal) and signs '
     'the attachments.',
 'Tự chọn theo năm, loại và độ mật': 'Automatic (by year, type and confidentiality)',
 'Mã PIN chữ ký số cơ quan': 'Agency signature PIN',
 'Cấp số và ký số cơ quan': 'Issue number and apply agency signature (seal)',
 'Không cấp số: trả lại (ghi rõ lý do)': 'Do not issue a number: send back (give the reason)',
 'Xử lý bước “%(name)s”': 'Handle step “%(name)s”',
 'Không có bước nào đang chờ xử lý.': 'No step is waiting to be handled.',
 'Chưa cấp số': 'Not numbered yet', 'Đơn vị soạn thảo': 'Drafting department',
 'Người soạn thảo': 'Drafter', 'Ký lúc': 'Signed at', 'Cấp số lúc': 'Numbered at',
 'Phát hành lúc': 'Dispatched at', 'Tệp đã ban hành': 'Issued files', 'Mở tệp PDF': 'Open the PDF',
 'Hiện vị trí số, ngày và chữ ký': 'Show number, date and signature positions',
 'Chữ ký lãnh đạo': "Leader's signature", 'Dấu, chữ ký cơ quan': 'Agency seal and signature',
 'Phiên bản %(n)s đang được chuyển từ DOCX sang PDF; tải lại trang sau ít phút.':
     'Version %(n)s is being converted from DOCX to PDF; reload the page in a few minutes.',
 'Không chuyển được phiên bản %(n)s sang PDF': 'Version %(n)s could not be converted to PDF',
 'Hãy tải lên phiên bản mới.': 'Please upload a new version.',
 'Văn bản chưa được ký số.': 'The document is not digitally signed yet.',
 'Các phiên bản dự thảo': 'Draft versions', 'Người tạo, thời gian': 'Created by, time',
 'Hiện hành': 'Current', 'Đã ký': 'Signed', 'đang chuyển đổi': 'converting',
 'chuyển đổi lỗi': 'conversion failed', 'Tệp gốc': 'Source file',
 'Tải lên phiên bản mới': 'Upload a new version',
 'Tệp dự thảo (PDF hoặc DOCX)': 'Draft file (PDF or DOCX)', 'Nội dung sửa đổi': 'Changes made',
 'Phiên bản mới làm các phê duyệt đã có hết hiệu lực: dự thảo phải được duyệt lại.':
     'A new version voids the existing approvals: the draft must be approved again.',
 'Phê duyệt': 'Approvals', 'phiên bản': 'version',
 'hết hiệu lực (dự thảo đã thay đổi)': 'void (the draft has changed)',
 'Chưa có phê duyệt.': 'No approvals yet.', 'Lịch sử': 'History', 'Phiên bản mới': 'New version',
 'Chuyển DOCX sang PDF': 'DOCX converted to PDF',
 'Kiểm tra bản PDF của dự thảo (vị trí số, ngày, chữ ký) trên':
     'Check the PDF of the draft (number, date and signature positions) on the',
 'trang văn bản': 'document page',
 'sửa bằng cách tải lên phiên bản mới ở đó.': 'make corrections by uploading a new version there.',
 'giữ như đã chọn': 'keep as chosen', 'Ý kiến trình': 'Submission note',
 'Xem dự thảo và các phiên bản': 'View the draft and its versions',
 'Đạt thể thức, trình ký': 'Form and layout OK, submit for signing',
 'Trả lại người soạn thảo': 'Send back to the drafter', 'Mở trang ký số': 'Open the signing page',
 'Mở trang cấp số, ký số cơ quan': 'Open the numbering and agency signature page',
 'Ký số và cấp số chỉ thực hiện trên trang văn bản. Ở đây chỉ trả lại dự thảo.':
     'Signing and numbering are done only on the document page. Here you can only send '
     'the draft back.',
 'Lý do trả lại': 'Reason for sending back',
 'Xác nhận đã gửi văn bản tới các nơi nhận': 'Confirm the document was sent to the recipients',
 'Ghi chú phát hành': 'Dispatch notes', 'Trình duyệt': 'Submit for approval',
 'Xác nhận đã phát hành': 'Confirm dispatch',
 # Search (app/search, app/templates/search)
 'Tra cứu': 'Search', 'Tra cứu văn bản': 'Search documents', 'Từ khóa': 'Search words',
 'Trích yếu, số/ký hiệu, nội dung…': 'Subject, number/notation, text…',
 'Văn bản phải có mọi từ đã gõ (có dấu hay không đều được); "cụm từ" đặt trong ngoặc kép; số/ký hiệu như 123/QĐ-UBND. Nhấn / để về ô tìm kiếm.':
     'Documents must hold every word typed (with or without diacritics); put a "phrase" in '
     'double quotes; numbers/notations like 123/QĐ-UBND. Press / to return to the search box.',
 'Đúng dấu': 'Exact diacritics', 'Sắp xếp': 'Sort', 'Liên quan nhất': 'Most relevant',
 'Mới nhất': 'Newest', 'Lọc theo thông tin văn bản': 'Filter by document details',
 'Văn bản đến / đi': 'Incoming / outgoing', 'Cả đến và đi': 'Incoming and outgoing',
 'Đến / đi': 'In / out', 'Mọi loại': 'Any type', 'Mọi trạng thái': 'Any status',
 'Đơn vị xử lý': 'Handling department', 'Mọi đơn vị': 'Any department',
 'Đúng tên như trong sổ; để tìm theo một phần tên, gõ vào ô tìm kiếm.':
     'The exact name as registered; to search by part of a name, type it in the search box.',
 'Ngày văn bản từ': 'Issued from', 'Ngày văn bản đến': 'Issued until',
 'Ngày đến từ': 'Received from', 'Ngày đến đến': 'Received until',
 'Bỏ mọi bộ lọc': 'Clear all filters', 'Thông tin hiển thị': 'Fields shown',
 'Thông tin hiển thị trong kết quả': 'Fields shown in the results', 'Áp dụng': 'Apply',
 'Đoạn trích': 'Excerpt', 'Tìm thấy %(num)s văn bản': '%(num)s documents found',
 'Tìm thấy hơn %(num)s văn bản': 'More than %(num)s documents found',
 'Chỉ tài liệu đã nộp lưu trữ': 'Only records handed to the archive',
 'Chỉ tìm trong hồ sơ #%(id)s': 'Only in case file #%(id)s',
 'Tìm trong mọi văn bản': 'Search every document',
 'Tìm trong hồ sơ này': 'Search in this file',
 '(đếm đến %(num)s; hãy thu hẹp tìm kiếm bằng bộ lọc)': '(counted up to %(num)s; narrow the search with the filters)',
 'Xuất Excel': 'Export to Excel', 'Xuất PDF': 'Export to PDF', 'số đến': 'arrival no.',
 'Không có văn bản nào khớp. Hãy bớt từ khóa hoặc bộ lọc, hoặc bỏ chọn “Đúng dấu”.':
     'No document matches. Use fewer words or filters, or untick “Exact diacritics”.',
 'Đầu': 'First', 'Cuối': 'Last',
 'Gõ từ khóa rồi nhấn Enter, hoặc chọn bộ lọc. Chỉ những văn bản bạn được xem mới hiện ra.':
     'Type the words and press Enter, or choose filters. Only documents you may see are shown.',
 'Thu hẹp kết quả': 'Narrow the results',
 '(trong %(num)s kết quả mới nhất)': '(among the %(num)s newest results)',
 'Bỏ lọc': 'Remove filter', 'Tìm kiếm đã lưu': 'Saved searches', 'Xóa tìm kiếm': 'Delete search',
 'Xóa': 'Delete', 'Chưa có tìm kiếm nào được lưu.': 'No saved searches yet.',
 'Tên tìm kiếm': 'Search name', 'Lưu tìm kiếm': 'Save search',
 'Đã lưu tìm kiếm “%(name)s”.': 'Search “%(name)s” saved.',
 'Đã xóa tìm kiếm “%(name)s”.': 'Search “%(name)s” deleted.',
 'Thường': 'Normal', 'Khẩn': 'Urgent', 'Thượng khẩn': 'Very urgent', 'Hỏa tốc': 'Flash',
 'Đã vào sổ': 'Registered', 'Đã phân phối (04)': 'Assigned (04)',
 'Đang xử lý (05)': 'In progress (05)', 'Hoàn thành (06)': 'Done (06)',
 # Scanner intake and text extraction
 'Tệp này không có bản PDF để trích xuất văn bản.': 'This file has no PDF to extract text from.',
 'Đã xếp hàng chạy lại nhận dạng chữ.': 'Text recognition queued to run again.',
 'Đang nhận dạng chữ; chưa chạy lại được.': 'Text recognition is running; it cannot be re-run yet.',
 'Văn bản quét này đã được vào sổ.': 'This scanned document has been registered already.',
 'Văn bản quét này không còn chờ vào sổ.': 'This scanned document is no longer waiting to be registered.',
 'Đã bỏ qua tệp quét “%(name)s”.': 'Scanned file “%(name)s” dismissed.',
 'Văn bản quét': 'Scanned documents',
 'Chờ trích xuất văn bản': 'Waiting for text extraction',
 'Đang nhận dạng chữ (OCR) trang %(done)s/%(total)s': 'Recognising text (OCR), page %(done)s/%(total)s',
 'Đang trích xuất văn bản': 'Extracting text',
 'Không tìm thấy chữ trong tệp': 'No text found in the file',
 'Đã trích xuất văn bản': 'Text extracted',
 'nhận dạng chữ %(n)s trang': 'text recognised on %(n)s pages',
 'Lỗi nhận dạng: %(error)s': 'Recognition error: %(error)s',
 'Tải bản PDF/A có lớp chữ': 'Download the searchable PDF/A copy',
 'chỉ gồm %(n)s trang quét': 'scanned pages only: %(n)s',
 'Chạy lại': 'Run again',
 'Bỏ qua tệp quét': 'Dismiss scanned file',
 'Bỏ qua tệp quét?': 'Dismiss this scanned file?',
 'Tệp “%(name)s” sẽ rời khỏi danh sách chờ vào sổ và không được vào sổ. Tệp gốc vẫn được lưu (thư mục done/ hoặc failed/ của máy quét).': "The file “%(name)s” leaves the queue and will not be registered. The original file is kept (the scanner's done/ or failed/ folder).",
 'Bỏ qua': 'Dismiss',
 'Không, quay lại': 'No, go back',
 'Văn bản quét chờ vào sổ': 'Scanned documents waiting to be registered',
 'Đang nhận dạng chữ': 'Recognising text',
 'Chờ vào sổ': 'Waiting to be registered',
 'Bị từ chối': 'Refused',
 'Đã bỏ qua': 'Dismissed',
 'Chờ xử lý': 'Waiting',
 'Tất cả': 'All',
 'Máy quét lưu tệp (PDF, JPEG, PNG, TIFF) vào thư mục của từng sổ; hệ thống nhận dạng chữ và gợi ý thông tin trang đầu. Kiểm tra, sửa rồi vào sổ.': "Scanners save files (PDF, JPEG, PNG, TIFF) in each register's folder; the system recognises the text and suggests the first page's details. Check, correct, then register.",
 'Tệp quét': 'Scanned file',
 'Trích yếu (gợi ý)': 'Summary (suggested)',
 'Tải tệp gốc': 'Download the original',
 'Xem văn bản': 'View document',
 'Không có tệp quét nào.': 'No scanned files.',
 'Vào sổ văn bản quét': 'Register the scanned document',
 'Chưa nhận dạng chữ xong: thông tin gợi ý chưa có, có thể nhập tay hoặc tải lại trang sau.': 'Text recognition has not finished: no suggestions yet; type the details or reload the page later.',
 'Thông tin dưới đây được gợi ý từ trang đầu của tệp quét: hãy kiểm tra và sửa trước khi vào sổ.': 'The details below are suggested from the first page of the scan: check and correct them before registering.',
}

# Texts of later areas live beside this file, one module per area
# (translations_en_<area>.py, each defining EN), so parallel work never
# edits the same dictionary.
for _extra in sorted(__import__("pathlib").Path(__file__).parent.glob("translations_en_*.py")):
    for _vi, _en in __import__("runpy").run_path(str(_extra))["EN"].items():
        EN.setdefault(_vi, _en)     # a text translated earlier keeps its translation

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
