"""English texts of the case-file (hồ sơ) pages (app/casefiles, templates/casefiles).

Merged into translations/en by the lead together with scripts/translations_en.py.
"""
EN = {
    # labels (app/casefiles/views.py)
    "Đang mở": "Open", "Đã đóng": "Closed", "Đã nộp lưu": "Transferred to the archive",
    "Đã hủy": "Disposed of",
    "Hồ sơ của tôi": "My files", "Hồ sơ của đơn vị": "My unit's files",
    "Mọi hồ sơ tôi được xem": "All files I may see",
    "Hồ sơ thông thường": "Ordinary file",
    "Hồ sơ xây dựng cơ bản (nộp lưu 3 tháng sau quyết toán)":
        "Construction file (transferred 3 months after final settlement)",
    "Công khai": "Open", "Hạn chế": "Restricted",
    "Mở hồ sơ": "Open a file", "Thêm văn bản": "Document added",
    "Bỏ văn bản khỏi hồ sơ": "Document removed from the file",
    "Sửa thông tin hồ sơ": "Edit the file's details", "Đóng hồ sơ": "Close the file",
    "Mở lại hồ sơ": "Reopen the file", "Xuất hồ sơ": "Export the file",
    "Toàn bộ hồ sơ (PDF)": "Whole file (PDF)", "Thông tin hồ sơ (XML)": "File metadata (XML)",
    "Mục lục văn bản (PDF)": "Document index (PDF)",
    "Mục lục văn bản (Excel)": "Document index (Excel)",
    "Gói nộp lưu BagIt (ZIP)": "BagIt transfer package (ZIP)",
    # flash messages
    "Hãy chọn một hồ sơ trong danh mục.": "Choose a file of the list.",
    "Đã mở hồ sơ %(code)s — %(title)s.": "File %(code)s opened — %(title)s.",
    "Đã lưu thông tin hồ sơ.": "The file's details were saved.",
    "Hãy chọn hồ sơ và văn bản.": "Choose a file and a document.",
    "Đã thêm văn bản vào hồ sơ (số thứ tự %(n)s).": "Document added to the file (no. %(n)s).",
    "Đã bỏ văn bản khỏi hồ sơ (văn bản vẫn còn nguyên trong sổ).":
        "Document removed from the file (it stays in the register, untouched).",
    "Đã đóng hồ sơ %(code)s: %(docs)s văn bản, %(pages)s trang.":
        "File %(code)s closed: %(docs)s documents, %(pages)s pages.",
    "Đã loại %(n)s văn bản trùng: %(list)s.": "%(n)s duplicate(s) removed: %(list)s.",
    "Đã loại %(n)s dự thảo chưa ban hành: %(list)s.":
        "%(n)s unissued draft(s) removed: %(list)s.",
    "Không có văn bản trùng hay dự thảo phải loại.": "No duplicates or drafts to remove.",
    "Hạn nộp lưu: %(date)s.": "Transfer due: %(date)s.",
    "Bảo quản đến: %(date)s.": "Kept until: %(date)s.",
    "Bảo quản vĩnh viễn.": "Kept permanently.",
    "Đã mở lại hồ sơ; hãy đóng lại khi công việc kết thúc.":
        "The file was reopened; close it again when the work ends.",
    # document page panel
    "Hồ sơ": "Case files",
    "Văn bản chưa thuộc hồ sơ nào (bạn được xem).":
        "The document is in no file (that you may see).",
    "Thêm vào hồ sơ": "Add to file",
    "để đưa văn bản này vào hồ sơ của bạn.": "to put this document into one of your files.",
    # list
    "Tiêu đề hoặc số hồ sơ": "Title or file code", "Số và ký hiệu": "Code",
    "Tiêu đề hồ sơ": "File title", "Thời hạn bảo quản": "Retention", "Người lập": "Creator",
    "Số văn bản": "Documents", "hạn nộp lưu": "transfer due",
    "Chưa có hồ sơ nào.": "No files yet.",
    # opening
    "Theo danh mục hồ sơ năm %(year)s": "From the %(year)s file list",
    "Năm của danh mục": "Year of the list",
    "Chọn hồ sơ trong danh mục (số, tiêu đề, thời hạn bảo quản)":
        "Choose a file of the list (code, title, retention)",
    "XDCB": "construction", "Ngày bắt đầu": "Start date",
    "Mở hồ sơ theo danh mục": "Open the file from the list",
    "Không có hồ sơ nào chờ mở trong danh mục đã duyệt của năm này (danh mục chưa được duyệt, "
    "hoặc mọi hồ sơ đã được mở).":
        "No file of this year's approved list is waiting to be opened (the list is not "
        "approved yet, or every file is open).",
    "Hồ sơ ngoài danh mục": "File outside the list",
    "Hồ sơ không có trong danh mục phải có đủ tiêu đề, số và ký hiệu, thời hạn bảo quản, người "
    "lập và ngày bắt đầu.":
        "A file outside the list needs a title, a code, a retention period, a creator and a "
        "start date.",
    "Số và ký hiệu hồ sơ": "File code",
    "Ví dụ: 15 hoặc 15.VP (chữ, số và . - /)": "E.g. 15 or 15.VP (letters, digits and . - /)",
    "Người lập hồ sơ": "Creator of the file", "Loại hồ sơ": "Kind of file",
    "Chế độ sử dụng": "Access", "Mở hồ sơ ngoài danh mục": "Open the file outside the list",
    # one file
    "Hồ sơ đã nộp lưu vào lưu trữ hiện hành và bị khóa: không ai được sửa, chuyển hay xóa văn "
    "bản trong hồ sơ, kể cả quản trị hệ thống.":
        "The file was transferred to the agency archive and is frozen: nobody may edit, move "
        "or delete its documents, administrators included.",
    "Hồ sơ đã hủy theo quyết định; chỉ còn thông tin mô tả. Hồ sơ bị khóa với mọi người.":
        "The file was disposed of by decision; only its metadata remains. It is frozen for "
        "everyone.",
    "Hồ sơ đã đóng ngày %(date)s. Muốn thêm, bỏ văn bản hay sửa thông tin thì mở lại hồ sơ.":
        "The file was closed on %(date)s. Reopen it to add or remove documents or edit it.",
    "Lý do mở lại": "Reason for reopening",
    "Thông tin hồ sơ": "File details", "Mã hồ sơ": "File code", "Ngôn ngữ": "Language",
    "chưa kết thúc": "not ended", "Ngày quyết toán": "Final settlement date",
    "Số văn bản / số trang": "Documents / pages", "Hạn nộp lưu": "Transfer due",
    "Bảo quản đến": "Kept until", "Theo danh mục hồ sơ": "From the file list",
    "Ngoài danh mục": "Outside the list",
    "Chỉ xuất được khi bạn được xem mọi văn bản trong hồ sơ. Mỗi lần xuất đều được ghi nhật ký.":
        "You can export only when you may see every document in the file. Every export is "
        "logged.",
    "Văn bản trong hồ sơ": "Documents in the file", "STT": "No.", "Ngày tháng": "Date",
    "Tác giả": "Author",
    "Bỏ khỏi hồ sơ văn bản số thứ tự %(n)s": "Remove document no. %(n)s from the file",
    "Bỏ khỏi hồ sơ": "Remove from file",
    "Văn bản hạn chế: bạn không được xem văn bản này.":
        "Restricted document: you may not see it.",
    "Hồ sơ chưa có văn bản nào.": "The file holds no documents yet.",
    "Thêm văn bản vào hồ sơ": "Add a document to the file",
    "Số, ký hiệu, số đến hoặc trích yếu": "Number, arrival number or subject",
    "Chỉ hiện những văn bản bạn được xem và chưa có trong hồ sơ. Văn bản được gắn vào hồ sơ, "
    "không bị sao chép.":
        "Only documents you may see and not yet in the file are shown. A document is linked "
        "to the file, never copied.",
    "Thêm": "Add",
    "Không tìm thấy văn bản nào phù hợp mà bạn được xem.":
        "No matching document that you may see.",
    "Ngày kết thúc": "End date", "Ngày quyết toán (hồ sơ XDCB)":
        "Final settlement date (construction files)",
    "Lưu thông tin": "Save details",
    "Khi công việc kết thúc: hệ thống loại văn bản trùng và dự thảo chưa ban hành (và cho biết "
    "đã loại gì), điền số văn bản, số trang, ngày kết thúc (ngày của văn bản muộn nhất, nếu "
    "không nhập), đánh lại số thứ tự theo thời gian, tính hạn nộp lưu và thời hạn bảo quản.":
        "When the work has ended: the system removes duplicates and unissued drafts (and says "
        "which), fills in the number of documents and pages and the end date (the latest "
        "document's date unless you give one), renumbers the documents in date order and "
        "computes the transfer due date and the retention date.",
    "Ngày kết thúc (để trống: tự điền)": "End date (empty: filled in automatically)",
    "Tôi đã kiểm tra lại thời hạn bảo quản của hồ sơ":
        "I have re-checked the file's retention period",
    "Lịch sử hồ sơ": "File history", "Chi tiết": "Details",
    "Loại bản trùng": "Duplicate removed", "Loại dự thảo": "Draft removed",
    "Số thứ tự": "No.",
    # retention field
    "Thời hạn bảo quản (theo bảng thời hạn)": "Retention (from the retention catalogue)",
    "— Không chọn: nhập số năm bên cạnh —": "— None: type the years alongside —",
    "cần xác nhận": "to be confirmed", "hoặc số năm bảo quản": "or years of retention",
    "Vĩnh viễn": "Permanent",
    'Số năm (ví dụ 10) hoặc "permanent" cho Vĩnh viễn.':
        'A number of years (e.g. 10) or "permanent".',
}
