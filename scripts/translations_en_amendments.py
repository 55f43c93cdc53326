"""English texts of replacement and correction (workflows/amendments.py; templates
_amendments.html, outgoing/new.html and show.html, exchange/list.html and show.html).

Merged into ``scripts/translations_en.py``; source strings are Vietnamese.
"""
EN = {
    "Đã bị thay thế": "Replaced",
    "Thay thế, đính chính": "Replacement and correction",
    "Văn bản này thay thế văn bản": "This document replaces document",
    "Văn bản này đính chính văn bản": "This document corrects document",
    "Đã bị thay thế bởi văn bản": "Replaced by document",
    "Đã được đính chính bởi văn bản": "Corrected by document",
    "Công văn đính chính": "Letter of correction",
    "Bản đã vào sổ ở cơ quan mình": "Our registered copy",
    "Khi tiếp nhận văn bản này, bản cũ chuyển sang “Đã bị thay thế” và dừng xử lý; cơ quan gửi được báo (15).":
        "When this document is accepted, the earlier copy becomes “Replaced” and its handling "
        "stops; the sender is told (15).",
    "Khi tiếp nhận, bản cũ được gắn công văn đính chính và vẫn tiếp tục xử lý; cơ quan gửi được báo (15).":
        "When accepted, the letter of correction is linked to the earlier copy, whose handling "
        "goes on; the sender is told (15).",
    "Khi tiếp nhận văn bản này, bản cũ được rút khỏi danh sách chờ.":
        "When this document is accepted, the earlier copy leaves the waiting list.",
    "Cơ quan mình chưa vào sổ bản cũ.": "We have not registered the earlier copy.",
    "Bản cũ còn đang chờ tiếp nhận.": "The earlier copy is still waiting to be accepted.",
    "Văn bản thay thế cho văn bản": "Replacement for document",
    "Công văn đính chính văn bản": "Letter correcting document",
    "Sai sót về nội dung: ban hành văn bản cùng hình thức để thay thế. Khi văn bản này được ban hành, văn bản cũ chuyển trạng thái “Đã bị thay thế” và các cơ quan đã nhận được thông báo qua trục liên thông.":
        "Content error: issue a document of the same form to replace it. When this document is "
        "issued, the earlier one becomes “Replaced” and the agencies that received it are told "
        "through the exchange.",
    "Sai sót về thể thức, kỹ thuật trình bày, thủ tục ban hành: đính chính bằng công văn. Văn bản cũ vẫn giữ hiệu lực; các cơ quan đã nhận được gửi công văn đính chính kèm liên kết.":
        "Format, layout or procedure error: correct it by an official letter. The earlier "
        "document stays in force; the agencies that received it get the letter, linked to it.",
    "Lý do thay thế, đính chính": "Reason for the replacement or correction",
    "Sai sót sau khi ban hành": "Errors found after issue",
    "Sai về nội dung: ban hành văn bản cùng hình thức để thay thế. Sai về thể thức, kỹ thuật trình bày, thủ tục: đính chính bằng công văn.":
        "Content error: issue a document of the same form to replace it. Format, layout or "
        "procedure error: correct it by an official letter.",
    "Soạn công văn đính chính": "Draft a letter of correction",
    "Soạn văn bản thay thế": "Draft a replacement",
    "Văn bản thay thế": "Replacement",
    "Thay thế": "Replacement",
    "Đính chính": "Correction",
    "khi ban hành": "on issue",
    "Lý do": "Reason",
    "Trục liên thông / LGSP": "National axis / LGSP",
    "Dừng xử lý": "Handling stopped",
    "Gói tin được ký số bởi": "Package digitally signed by",
    "nguyên vẹn từ khi ký": "unchanged since it was signed",
    "Gói tin không có chữ ký số của cơ quan gửi (các tệp văn bản vẫn được kiểm tra chữ ký khi tiếp nhận).":
        "The package carries no digital signature of the sender (the document files' "
        "signatures are still checked on acceptance).",
    "Không gửi: đã thu hồi trước khi gửi được": "Not sent: recalled before it could be delivered",
}
