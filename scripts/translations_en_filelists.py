"""English texts of the danh mục hồ sơ and retention catalogue pages (H1, issue 6).

Only the msgids that ``scripts/translations_en.py`` does not have yet; merged
by the lead before ``pybabel update``/``compile``.
"""
EN = {
 'Đánh số liên tục trong cả danh mục (01, 02…)': 'Numbered over the whole list (01, 02…)',
 'Đánh số theo từng đề mục (01.TCCB…)': 'Numbered per heading (01.TCCB…)',
 'Hồ sơ xây dựng cơ bản': 'Construction (XDCB) file',
 'Đã phê duyệt': 'Approved',
 'Đã lập danh mục hồ sơ năm %(year)s (dự thảo).': 'File list %(year)s created (draft).',
 'Đã đổi cách đánh số; số và ký hiệu hồ sơ đã được đánh lại.':
     'Numbering changed; the file numbers were given again.',
 'Đã phê duyệt danh mục hồ sơ năm %(year)s.': 'File list %(year)s approved.',
 'Đã thêm đề mục.': 'Heading added.',
 'Đã chuyển đề mục.': 'Heading moved.',
 'Đã xóa đề mục.': 'Heading deleted.',
 'Đã thêm hồ sơ %(code)s.': 'File %(code)s added.',
 'Đã chuyển hồ sơ; số mới là %(code)s.': 'File moved; its number is now %(code)s.',
 'Đã xóa hồ sơ khỏi danh mục; các số đã được đánh lại.':
     'File removed from the list; the numbers were given again.',
 'Đã lưu hồ sơ %(code)s.': 'File %(code)s saved.',
 'Đã lưu đề mục.': 'Heading saved.',
 'Đã thêm dòng %(code)s vào bảng thời hạn bảo quản.':
     'Line %(code)s added to the retention catalogue.',
 'Đã lưu dòng %(code)s.': 'Line %(code)s saved.',
 'Dòng %(code)s được dùng lại.': 'Line %(code)s is in use again.',
 'Dòng %(code)s đã ngừng dùng: vẫn giữ nguyên ở các hồ sơ đã dùng, không còn để chọn mới.':
     'Line %(code)s deactivated: it stays on the files that use it and is no longer offered.',
 'Đã xóa dòng khỏi bảng thời hạn bảo quản.': 'Line deleted from the retention catalogue.',
 'Đề mục': 'Heading',
 '(Không thuộc đề mục)': '(No heading)',
 '(Đơn vị của người lập hồ sơ)': '(The creator’s department)',
 'Mã': 'Code',
 'Nhóm hồ sơ': 'Group of records',
 'Thời hạn (năm)': 'Period (years)',
 'Hiệu lực từ ngày': 'Effective from',
 'Căn cứ pháp lý': 'Legal basis',
 'Mô tả': 'Description',
 'Cần xác nhận căn cứ pháp lý (chưa đối chiếu văn bản gốc)':
     'Legal basis to be confirmed (not yet checked against the text)',
 'Danh mục hồ sơ': 'File lists',
 'Bảng thời hạn bảo quản': 'Retention catalogue',
 'Danh mục hồ sơ do lãnh đạo cơ quan phê duyệt đầu năm; cán bộ mở hồ sơ theo các mục của '
 'danh mục đã phê duyệt.':
     'The agency’s leader approves the file list at the start of the year; staff open their '
     'files from the entries of the approved list.',
 'Cách đánh số': 'Numbering',
 'Chưa có danh mục hồ sơ nào.': 'No file list yet.',
 'Lập danh mục hồ sơ': 'Create a file list',
 'Cách đánh số hồ sơ': 'File numbering',
 'Sao chép đề mục và hồ sơ từ danh mục năm trước':
     'Copy the headings and files of the previous list',
 'Lập danh mục': 'Create the list',
 'Danh mục hồ sơ năm %(year)s': 'File list %(year)s',
 'Chuyển lên': 'Move up',
 'Chuyển xuống': 'Move down',
 'Phê duyệt ngày %(day)s bởi %(name)s.': 'Approved on %(day)s by %(name)s.',
 'Mọi năm': 'All years',
 'Tên đề mục và tiêu đề hồ sơ': 'Heading and file title',
 'Sửa': 'Edit',
 'dòng đã ngừng dùng': 'line deactivated',
 'Danh mục chưa có đề mục và hồ sơ nào.': 'The list has no headings or files yet.',
 'Sau khi phê duyệt, danh mục không sửa được nữa và cán bộ mở hồ sơ theo các mục của danh mục.':
     'Once approved, the list can no longer be changed and staff open files from its entries.',
 'Phê duyệt danh mục hồ sơ năm %(year)s': 'Approve the file list %(year)s',
 'Thêm hồ sơ': 'Add a file',
 'Số và ký hiệu hồ sơ được đánh tự động theo vị trí trong danh mục.':
     'File numbers are given automatically from the place in the list.',
 'Thêm đề mục': 'Add a heading',
 'Tên đề mục': 'Heading title',
 'Thuộc đề mục': 'Under heading',
 '(Đề mục lớn: I, II…)': '(Main heading: I, II…)',
 'Ký hiệu đề mục': 'Heading code',
 'Ví dụ TCCB; dùng khi đánh số theo đề mục (01.TCCB).':
     'E.g. TCCB; used when numbering per heading (01.TCCB).',
 'Đổi cách đánh số': 'Change numbering',
 'Sửa hồ sơ %(code)s': 'Edit file %(code)s',
 'Danh mục đã được phê duyệt hoặc bạn không có quyền sửa.':
     'The list is approved or you may not edit it.',
 'Quay lại danh mục': 'Back to the list',
 'Sửa đề mục': 'Edit heading',
 'Thời hạn bảo quản gắn với các mục của danh mục hồ sơ. Các dòng khởi tạo lấy từ các nhóm hồ '
 'sơ phổ biến (TT 10/2022/TT-BNV) và phải được cán bộ lưu trữ đối chiếu văn bản gốc trước khi '
 'bỏ dấu “cần xác nhận”.':
     'Retention periods are attached to the entries of the file list. The seeded lines come '
     'from the common groups of records (TT 10/2022/TT-BNV) and must be checked against the '
     'legal text by the archivist before the “to be confirmed” mark is removed.',
 'Thời hạn': 'Period',
 'Hiệu lực từ': 'Effective from',
 'Căn cứ pháp lý chưa được đối chiếu với văn bản gốc':
     'The legal basis has not been checked against the text',
 'cần xác nhận căn cứ pháp lý': 'legal basis to be confirmed',
 'ngừng dùng': 'deactivated',
 'Ngừng dùng': 'Deactivate',
 'Dùng lại': 'Use again',
 'Bảng thời hạn bảo quản chưa có dòng nào.': 'The retention catalogue has no lines yet.',
 'Thêm dòng thời hạn bảo quản': 'Add a retention line',
 'Sửa dòng %(code)s': 'Edit line %(code)s',
 'Dòng này đã được dùng trong danh mục hoặc hồ sơ: không đổi được thời hạn; muốn đổi, hãy '
 'ngừng dùng dòng này và tạo dòng mới.':
     'This line is used by a file list or a file: its period cannot change; to change it, '
     'deactivate this line and create a new one.',
 'Quay lại': 'Back',
}
