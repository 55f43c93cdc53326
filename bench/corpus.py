"""A deterministic, realistic corpus of Vietnamese administrative documents (issue 5).

Why: search engines behave very differently on real administrative text than
on random words. Vietnamese is indexed per syllable, and a handful of
syllables ("thực hiện", "văn hóa", "tổ chức", "năm", "tỉnh") occur in almost
every document, while proper names of villages, festivals and crafts occur
in a few per ten thousand. The mix of the two decides the posting-list
lengths every engine walks, so the corpus mimics it:

* document types with their share in a Sở's registers (mostly Công văn),
  số/ký hiệu as Decree 30 writes them: ``123/QĐ-UBND``, ``45/SVHTTDL-VP``,
  ``15/2021/QĐ-UBND`` (legal normative documents carry the year);
* issuing agencies (Bộ, UBND tỉnh/huyện, Sở, Cục, Ban quản lý...), dates over
  several years (ids grow with the date, as in a real register);
* a trích yếu per type ("V/v tổ chức lễ hội ... năm 2024", "Quyết định về
  việc phát triển du lịch cộng đồng ...");
* a 1.5–2.5 KB body standing for the extracted text of the scan: national
  heading, số, place and date, legal bases, 6–15 sentences from a few hundred
  administrative phrases, closing and recipients;
* about 15 % of the documents mention one rare proper name or term
  (``RARE``: ~180 of them), so "rare word" queries match ~0.1 % of documents;
* urgency, status, register, department, confidentiality (~2.5 % not
  "normal"), created_by and readers (the people it was routed to).

Everything comes from ``random.Random(seed, i)`` per document, so document
``i`` is the same whether generated in a stream of a million or alone
(``raw_document(ctx, i, n)``), which is how the query mix picks existing
numbers without keeping the corpus in memory.

The engines receive ``archive.search.index.IndexEntry`` objects built with the
app's own functions (``entries.meta_of``, ``entries.title_text``,
``entries.body_text``, ``analysis.analysed``, ``analysis.number_form``), and the
database gets the ``documents`` / ``document_access`` rows the SQL engines'
joins and visibility rule read.
"""
from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from types import SimpleNamespace
from pathlib import Path
from typing import Iterator

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:  # archive/workflows are imported lazily from the project
    sys.path.insert(0, _ROOT)

SEED = 2026
START = date(2019, 1, 2)
END = date(2026, 11, 20)

# --- vocabulary -------------------------------------------------------------------------

# code, abbreviation in the ký hiệu, share (per mille) in the registers
TYPES = [("CV", "", 520), ("QD", "QĐ", 110), ("TB", "TB", 70), ("KH", "KH", 70),
         ("BC", "BC", 60), ("GM", "GM", 60), ("TTR", "TTr", 35), ("HD", "HD", 30),
         ("CTR", "CTr", 15), ("NQ", "NQ", 10), ("TT", "TT", 10), ("ND", "NĐ", 10)]
# issuer name, abbreviation, units used in Công văn ký hiệu, weight
ISSUERS = [
    ("Ủy ban nhân dân tỉnh Demo", "UBND", ["VX", "KT", "NC", "TH"], 24),
    ("Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL", ["VP", "DSVH", "TDTT", "KHTC", "TCCB"], 14),
    ("Sở Nội vụ tỉnh Demo", "SNV", ["VTLT", "TCBC", "CCHC"], 6),
    ("Sở Tài chính tỉnh Demo", "STC", ["QLNS", "TCĐT", "HCSN"], 6),
    ("Sở Kế hoạch và Đầu tư tỉnh Demo", "SKHĐT", ["TH", "ĐTTĐGS"], 5),
    ("Sở Giáo dục và Đào tạo tỉnh Demo", "SGDĐT", ["VP", "GDTrH"], 3),
    ("Sở Y tế tỉnh Demo", "SYT", ["NVY", "VP"], 2),
    ("Sở Tài nguyên và Môi trường tỉnh Demo", "STNMT", ["QLĐĐ", "VP"], 2),
    ("Công an tỉnh Demo", "CAT", ["PC07", "PA03", "PV01"], 3),
    ("Ủy ban nhân dân huyện Miền Núi", "UBND", ["VP"], 4),
    ("Ủy ban nhân dân huyện Đồng Bằng", "UBND", ["VP"], 3),
    ("Ủy ban nhân dân thành phố Demo", "UBND", ["VP", "VHTT"], 4),
    ("Ủy ban nhân dân thị xã Ven Biển", "UBND", ["VP"], 2),
    ("Cục Du lịch Quốc gia Việt Nam", "TCDL", ["LH", "KS", "XTDL"], 4),
    ("Cục Di sản văn hóa", "DSVH", ["DT", "BT", "PVT"], 3),
    ("Cục Thể dục thể thao", "TDTT", ["TTQC", "TTTTC"], 2),
    ("Hội đồng nhân dân tỉnh Demo", "HĐND", ["VP"], 2),
    ("Văn phòng Chính phủ", "VPCP", ["KGVX", "TH"], 2),
    ("Tỉnh ủy Demo", "TU", ["VP"], 2),
    ("Ban Quản lý di tích tỉnh Demo", "BQLDT", ["HC"], 2),
    ("Trung tâm Văn hóa - Điện ảnh tỉnh Demo", "TTVHĐA", ["HC"], 1),
    ("Bảo tàng tỉnh Demo", "BT", ["HC"], 1),
    ("Thư viện tỉnh Demo", "TV", ["HC"], 1),
    ("Liên đoàn Lao động tỉnh Demo", "LĐLĐ", ["VP"], 1),
    ("Tỉnh đoàn Demo", "TĐTN", ["VP"], 1),
    ("Chính phủ", "CP", ["KGVX"], 1),
]
OWN_NAME, OWN_ABBR = "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"
OWN_UNITS = {"VP": "VP", "QLVH": "QLVH", "QLDL": "QLDL", "QLTDTT": "TDTT",
             "XDNSVHGD": "XDNSVHGD"}
POSITIONS = ["Giám đốc", "Phó Giám đốc", "Chủ tịch", "Phó Chủ tịch", "Thứ trưởng", "Cục trưởng",
             "Phó Cục trưởng", "Chánh Văn phòng", "Trưởng ban", "Bí thư", "Phó Trưởng ban"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lương", "Nông", "Hà", "Lò", "Triệu", "Sầm"]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Hữu", "Đức", "Thanh", "Ngọc", "Xuân", "Thu", "Hồng",
          "Công", "Kim", "Tiến", "Bảo", "Anh"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Nhung", "Phong", "Phúc", "Quân",
         "Sơn", "Tâm", "Thắng", "Thảo", "Thủy", "Trung", "Tuấn", "Vinh", "Yến", "Khuê", "Diệp",
         "Thoa", "Chinh", "Luyến", "Vượng", "Tụng", "Khởi", "Lừng"]

TOPICS = [
    "tổ chức các hoạt động văn hóa, văn nghệ chào mừng Tết Nguyên đán",
    "tổ chức lễ hội văn hóa truyền thống", "kiểm tra công tác văn thư, lưu trữ",
    "phát triển du lịch cộng đồng", "tổ chức Đại hội Thể dục thể thao các cấp",
    "bảo tồn và phát huy giá trị di sản văn hóa", "xây dựng gia đình văn hóa, khu dân cư văn hóa",
    "quản lý và tổ chức lễ hội truyền thống", "tuyên truyền phòng, chống bạo lực gia đình",
    "thẩm định dự án tu bổ, tôn tạo di tích", "cấp giấy phép kinh doanh dịch vụ lữ hành quốc tế",
    "giải ngân vốn đầu tư công", "công tác thi đua, khen thưởng", "đẩy mạnh cải cách hành chính",
    "chuyển đổi số trong ngành văn hóa, thể thao và du lịch",
    "phòng cháy, chữa cháy tại các cơ sở lưu trú du lịch", "tuyển chọn vận động viên năng khiếu",
    "xếp hạng di tích lịch sử - văn hóa cấp tỉnh", "công nhận điểm du lịch cấp tỉnh",
    "tổ chức Giải Việt dã truyền thống", "tổ chức Liên hoan nghệ thuật quần chúng",
    "tổ chức Tuần Văn hóa - Du lịch", "xây dựng thiết chế văn hóa, thể thao cơ sở",
    "quảng bá, xúc tiến du lịch", "quản lý hoạt động quảng cáo ngoài trời",
    "kiểm tra hoạt động kinh doanh karaoke, vũ trường", "thực hiện phong trào Toàn dân đoàn kết "
    "xây dựng đời sống văn hóa", "lập hồ sơ đề nghị công nhận Di sản văn hóa phi vật thể quốc gia",
    "tổ chức Ngày Sách và Văn hóa đọc Việt Nam", "phát triển hệ thống thư viện cơ sở",
    "tổ chức Hội thi tuyên truyền lưu động", "đón tiếp đoàn công tác của Bộ",
    "bố trí kinh phí sự nghiệp văn hóa", "quyết toán kinh phí ngân sách nhà nước",
    "tuyển dụng viên chức", "bổ nhiệm lại công chức lãnh đạo", "đánh giá, xếp loại công chức",
    "đào tạo, bồi dưỡng cán bộ, công chức", "công tác phòng, chống tham nhũng",
    "tiếp công dân, giải quyết khiếu nại, tố cáo", "an toàn thực phẩm trong các khu du lịch",
    "kiểm kê, sưu tầm hiện vật bảo tàng", "số hóa tài liệu lưu trữ", "triển khai dịch vụ công "
    "trực tuyến", "cấp phép tổ chức biểu diễn nghệ thuật", "quản lý di tích quốc gia đặc biệt",
    "tổ chức giải bóng đá thiếu niên, nhi đồng", "phát triển phong trào thể dục thể thao quần chúng",
    "tổ chức các lớp truyền dạy nghệ thuật truyền thống", "bảo vệ môi trường trong hoạt động du lịch",
    "xây dựng nông thôn mới", "báo cáo tình hình kinh tế - xã hội", "ứng dụng công nghệ thông tin",
    "bảo đảm an ninh, trật tự tại các lễ hội", "chấn chỉnh hoạt động hướng dẫn viên du lịch",
    "công tác gia đình và phòng, chống bạo lực gia đình", "sắp xếp, kiện toàn tổ chức bộ máy",
]
TAILS = ["năm {y}", "quý I năm {y}", "quý II năm {y}", "6 tháng đầu năm {y}", "9 tháng năm {y}",
         "trên địa bàn tỉnh", "tại huyện Miền Núi", "giai đoạn 2021-2025", "giai đoạn 2026-2030",
         "năm {y} và phương hướng nhiệm vụ năm {y1}", "", "", ""]
HEADS = {
    "CV": ["V/v", "V/v", "Về việc", "V/v đề nghị", "V/v góp ý dự thảo", "V/v hướng dẫn",
           "V/v báo cáo", "V/v đôn đốc"],
    "QD": ["Quyết định về việc", "Quyết định phê duyệt Kế hoạch", "Quyết định thành lập Ban Tổ chức",
           "Quyết định ban hành Quy chế", "Quyết định công nhận", "Quyết định giao dự toán"],
    "TB": ["Thông báo kết luận của Giám đốc Sở về", "Thông báo về việc", "Thông báo kết quả"],
    "KH": ["Kế hoạch", "Kế hoạch tổ chức", "Kế hoạch thực hiện", "Kế hoạch kiểm tra"],
    "BC": ["Báo cáo kết quả", "Báo cáo tình hình", "Báo cáo tổng kết", "Báo cáo sơ kết"],
    "GM": ["Giấy mời dự Hội nghị", "Giấy mời họp về", "Giấy mời dự buổi làm việc về"],
    "TTR": ["Tờ trình đề nghị phê duyệt", "Tờ trình về việc", "Tờ trình đề nghị bố trí kinh phí"],
    "HD": ["Hướng dẫn", "Hướng dẫn thực hiện", "Hướng dẫn tổ chức"],
    "CTR": ["Chương trình", "Chương trình hành động về"],
    "NQ": ["Nghị quyết quy định", "Nghị quyết về"],
    "TT": ["Thông tư quy định chi tiết", "Thông tư hướng dẫn"],
    "ND": ["Nghị định quy định", "Nghị định về"],
}

# Rare proper names and terms: villages, festivals, crafts, relics, people.
RARE = [
    "Lồng Tồng", "cồng chiêng", "xòe Thái", "Pác Bó", "Bản Giốc", "Tà Xùa", "Mù Cang Chải",
    "Khâu Vai", "hát then", "đờn ca tài tử", "quan họ", "bài chòi", "ca trù", "hát xoan",
    "Katê", "Gầu Tào", "Nặm Nhùn", "Phìn Hồ", "Sín Chải", "thổ cẩm", "dệt zèng", "khèn Mông",
    "Roóng Poọc", "Pồn Pôông", "múa rối nước", "nhà rông", "nhà sàn", "tượng nhà mồ", "Óc Eo",
    "sắc phong", "mộc bản", "châu bản", "bảo vật quốc gia", "Chàm Ơi", "Lùng Phìn", "Xín Mần",
    "Hoàng Su Phì", "Pà Cò", "Mai Châu", "Pù Luông", "Mường Lát", "Quan Sơn", "Na Hang",
    "Lâm Bình", "Ba Bể", "Cốc Pàng", "Khuổi Ky", "Ngườm Ngao", "Thẩm Mu", "Lũng Cẩm",
    "Sủng Là", "Lô Lô Chải", "Nậm Đăm", "Thôn Bó", "Hợp Tiến", "Yên Đức", "Đông Hòa Hiệp",
    "Cù Lao Chàm", "Thanh Toàn", "Phước Tích", "Chiêm Sơn", "Bàu Trúc", "Gò Sành",
    "Cẩm Thanh", "Thủy Biều", "Lộc Tân", "Kon Tum Kơnâm", "Đắk Pơ", "Buôn Đôn", "Bon Bu Prăng",
    "Ka Tu", "Cơ Tu", "Xơ Đăng", "Ba Na", "Ê Đê", "Gia Rai", "Chăm H'roi", "Mnông",
    "Pa Dí", "Si La", "Cống", "Brâu", "Rơ Măm", "Ơ Đu", "La Hủ", "Lự", "Chứt", "Bố Y",
    "Cờ Lao", "Pu Péo", "Ngái", "lễ cấp sắc", "lễ cầu mùa", "lễ đâm trâu", "lễ mừng lúa mới",
    "lễ Kate", "lễ hội Chọi trâu", "lễ hội Đền Hùng", "hội Gióng", "hội Lim", "hội đua ghe ngo",
    "Ok Om Bok", "Chôl Chnăm Thmây", "Sene Dolta", "Ramưwan", "Nghinh Ông", "Cầu Ngư",
    "Lăng Cá Ông", "tranh Đông Hồ", "tranh Hàng Trống", "gốm Chu Đậu", "gốm Phù Lãng",
    "lụa Vạn Phúc", "chiếu Nga Sơn", "nón Chuông", "đúc đồng Phước Kiều", "sơn mài Tương Bình Hiệp",
    "Văn Lâm", "Kim Sơn", "Bát Tràng", "Đông Hồ", "Thổ Hà", "Phù Lưu", "Đình Bảng", "Tây Đằng",
    "Chu Quyến", "Lỗ Hạnh", "Thổ Tang", "Đường Lâm", "Cổ Loa", "Hoa Lư", "Tràng An",
    "Yên Tử", "Côn Sơn", "Kiếp Bạc", "Bạch Đằng", "Chi Lăng", "Xương Giang", "Lam Kinh",
    "Phố Hiến", "Hiến Nam", "Kênh Gà", "Vân Trình", "Mỹ Sơn", "Dương Long", "Cát Tiên",
    "Yok Đôn", "Chư Yang Sin", "Bidoup", "Langbiang", "Tà Đùng", "Nam Ka", "Lắk",
    "Nguyễn Sinh Khuê", "Hoàng Thị Loan", "Phan Bội Châu", "Huỳnh Thúc Kháng", "Trần Quý Cáp",
    "Nguyễn Khuyến", "Tú Xương", "Hồ Xuân Hương", "Đoàn Thị Điểm", "Lê Quý Đôn",
    "Hải Thượng Lãn Ông", "Chu Văn An", "Nguyễn Bỉnh Khiêm", "Lương Thế Vinh", "Mạc Đĩnh Chi",
    "Trạng Trình", "Bảng nhãn", "Thám hoa", "khoa bảng", "bia tiến sĩ", "Văn Miếu",
    "chiêng Ba Na", "đàn đá", "đàn T'rưng", "đàn K'lông Pút", "kèn bầu", "trống Paranưng",
    "sáo Mèo", "múa khèn", "múa sạp", "ném còn", "kéo co ngồi", "đánh yến", "đẩy gậy",
    "bắn nỏ", "vật dân tộc", "đua thuyền rồng", "cờ người", "đánh phết", "đấu vật Liễu Đôi",
]

LEGAL = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
    "Căn cứ Luật Di sản văn hóa ngày 29 tháng 6 năm 2001 và Luật sửa đổi, bổ sung một số điều "
    "của Luật Di sản văn hóa ngày 18 tháng 6 năm 2009",
    "Căn cứ Luật Du lịch ngày 19 tháng 6 năm 2017", "Căn cứ Luật Thể dục, thể thao ngày 29 "
    "tháng 11 năm 2006", "Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư",
    "Căn cứ Nghị định số 110/2018/NĐ-CP ngày 29 tháng 8 năm 2018 của Chính phủ quy định về quản lý "
    "và tổ chức lễ hội", "Căn cứ Nghị định số 144/2020/NĐ-CP ngày 14 tháng 12 năm 2020 của Chính "
    "phủ quy định về hoạt động nghệ thuật biểu diễn",
    "Căn cứ Thông tư số 01/2011/TT-BNV ngày 19 tháng 01 năm 2011 của Bộ Nội vụ",
    "Căn cứ Quyết định số {n}/QĐ-UBND ngày {d} của Ủy ban nhân dân tỉnh quy định chức năng, "
    "nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Văn hóa, Thể thao và Du lịch",
    "Căn cứ Kế hoạch số {n}/KH-UBND ngày {d} của Ủy ban nhân dân tỉnh",
    "Thực hiện Công văn số {n}/BVHTTDL-VP ngày {d} của Bộ Văn hóa, Thể thao và Du lịch",
    "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh tại Công văn số {n}/UBND-VX ngày {d}",
    "Theo đề nghị của Trưởng phòng Quản lý Văn hóa", "Theo đề nghị của Chánh Văn phòng Sở",
    "Theo đề nghị của Trưởng phòng Quản lý Du lịch",
]
SUBJECTS = ["Sở Văn hóa, Thể thao và Du lịch", "Ủy ban nhân dân các huyện, thị xã, thành phố",
            "các phòng, đơn vị thuộc Sở", "Phòng Văn hóa và Thông tin các huyện",
            "Trung tâm Văn hóa - Điện ảnh tỉnh", "Ban Quản lý di tích tỉnh", "Bảo tàng tỉnh",
            "Thư viện tỉnh", "Trung tâm Huấn luyện và Thi đấu thể thao",
            "các doanh nghiệp kinh doanh dịch vụ lữ hành", "các cơ sở lưu trú du lịch",
            "Ủy ban nhân dân các xã, phường, thị trấn", "Hiệp hội Du lịch tỉnh",
            "các cơ quan, đơn vị có liên quan", "Đoàn kiểm tra liên ngành"]
ACTIONS = ["tổ chức thực hiện", "triển khai thực hiện", "phối hợp với các cơ quan liên quan "
           "thực hiện", "rà soát, tổng hợp", "báo cáo kết quả thực hiện", "xây dựng kế hoạch",
           "kiểm tra, đôn đốc việc thực hiện", "tăng cường công tác", "đẩy mạnh", "hướng dẫn",
           "tham mưu Ủy ban nhân dân tỉnh về", "chỉ đạo các đơn vị trực thuộc thực hiện",
           "nghiên cứu, đề xuất", "quán triệt và thực hiện nghiêm", "chủ động bố trí kinh phí cho",
           "theo dõi, giám sát", "tuyên truyền, phổ biến", "thống kê, đánh giá thực trạng"]
OBJECTS = ["công tác bảo tồn và phát huy giá trị di sản văn hóa", "hoạt động du lịch cộng đồng",
           "phong trào Toàn dân đoàn kết xây dựng đời sống văn hóa", "công tác quản lý lễ hội",
           "công tác phòng, chống dịch bệnh", "các hoạt động văn hóa, văn nghệ, thể dục thể thao",
           "công tác văn thư, lưu trữ", "các nhiệm vụ trọng tâm của ngành",
           "công tác cải cách hành chính", "việc giải ngân vốn đầu tư công",
           "hoạt động kinh doanh dịch vụ văn hóa", "công tác gia đình",
           "việc thực hiện nếp sống văn minh trong việc cưới, việc tang và lễ hội",
           "công tác quảng bá, xúc tiến du lịch", "công tác đào tạo vận động viên",
           "các thiết chế văn hóa, thể thao cơ sở", "công tác thi đua, khen thưởng",
           "việc ứng dụng công nghệ thông tin và chuyển đổi số", "công tác an toàn, an ninh du lịch",
           "công tác tu bổ, tôn tạo di tích", "việc quản lý hoạt động quảng cáo",
           "phát triển văn hóa đọc", "công tác phòng cháy, chữa cháy",
           "xây dựng môi trường văn hóa lành mạnh", "phát triển sản phẩm du lịch đặc thù"]
PLACES = ["trên địa bàn tỉnh", "tại các huyện, thị xã, thành phố", "tại các khu, điểm du lịch",
          "tại các di tích lịch sử - văn hóa", "ở cơ sở", "tại trụ sở cơ quan",
          "tại các xã vùng sâu, vùng xa", "tại Nhà văn hóa thôn", "tại Quảng trường trung tâm tỉnh",
          "tại Trung tâm Hội nghị tỉnh", "trong toàn ngành"]
TIMES = ["trong năm {y}", "trước ngày {dd}/{mm}/{y}", "trong quý {q} năm {y}", "định kỳ hằng tháng",
         "trong dịp Tết Nguyên đán", "trước ngày 15 hằng tháng", "kịp thời, hiệu quả",
         "theo đúng quy định", "trong thời gian sớm nhất", "đảm bảo tiết kiệm, an toàn"]
SENTENCES = [
    "Để đảm bảo {obj} đạt hiệu quả, {subj} {act} {obj2} {place} {time}.",
    "{subj} {act} {obj} {place}, định kỳ báo cáo kết quả về Sở {time}.",
    "Giao {subj} chủ trì, phối hợp với {subj2} {act} {obj}.",
    "Đề nghị {subj} quan tâm chỉ đạo, {act} {obj} {time}.",
    "Qua kiểm tra cho thấy {obj} {place} cơ bản đã đi vào nền nếp, tuy nhiên vẫn còn một số tồn "
    "tại, hạn chế cần khắc phục.",
    "Kinh phí thực hiện từ nguồn ngân sách nhà nước đã giao trong dự toán năm {y} của đơn vị và "
    "các nguồn xã hội hóa hợp pháp khác.",
    "Trong năm {y}, toàn tỉnh đã tổ chức {k} hoạt động, thu hút trên {k2} lượt người tham gia.",
    "Thời gian: {time2}; địa điểm: {place}; thành phần: đại diện lãnh đạo {subj}.",
    "Yêu cầu Thủ trưởng các đơn vị nghiêm túc triển khai thực hiện, trong quá trình thực hiện nếu "
    "có khó khăn, vướng mắc kịp thời báo cáo về Sở (qua Văn phòng) để được hướng dẫn, giải quyết.",
    "Nhằm tăng cường {obj}, nâng cao chất lượng đời sống văn hóa tinh thần của nhân dân, "
    "{subj} {act} {obj2} {time}.",
    "Tổng số lượt khách du lịch đạt {k2} lượt, tăng {p}% so với cùng kỳ năm trước; tổng thu từ "
    "khách du lịch ước đạt {k} tỷ đồng.",
    "Việc tổ chức phải bảo đảm trang trọng, an toàn, tiết kiệm, phù hợp với thuần phong mỹ tục và "
    "bản sắc văn hóa dân tộc.",
    "{subj} chịu trách nhiệm trước Giám đốc Sở về kết quả thực hiện {obj}.",
    "Căn cứ nội dung Kế hoạch này, {subj} {act} {obj2} phù hợp với tình hình thực tế của địa "
    "phương, đơn vị.",
    "Chánh Văn phòng Sở, Trưởng các phòng, Thủ trưởng các đơn vị thuộc Sở và các tổ chức, cá nhân "
    "có liên quan chịu trách nhiệm thi hành Quyết định này.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Đồng thời, {subj} {act} {obj} {place}, bảo đảm đúng tiến độ, chất lượng.",
]
RARE_SENTENCES = [
    "Đặc biệt chú trọng bảo tồn {rare} {place}.",
    "Tổ chức khảo sát, lập hồ sơ khoa học về {rare} trình cấp có thẩm quyền xem xét.",
    "Hỗ trợ các nghệ nhân {rare} mở lớp truyền dạy cho thế hệ trẻ {time}.",
    "Đoàn công tác đã làm việc tại {rare}, kiểm tra thực tế công tác quản lý di tích.",
    "Xây dựng sản phẩm du lịch gắn với {rare} nhằm thu hút khách du lịch.",
]
CLOSINGS = ["Sở Văn hóa, Thể thao và Du lịch đề nghị các đơn vị quan tâm phối hợp thực hiện./.",
            "Trân trọng./.", "Đề nghị các đơn vị nghiêm túc triển khai thực hiện./.",
            "Rất mong nhận được sự quan tâm phối hợp của Quý cơ quan./.",
            "Nơi nhận: - Như trên; - Giám đốc, các Phó Giám đốc Sở; - Lưu: VT, {dept}."]
RECIPIENTS = ["Như trên; Giám đốc Sở; Lưu: VT", "UBND các huyện, thị xã, thành phố; Lưu: VT",
              "Bộ Văn hóa, Thể thao và Du lịch; UBND tỉnh; Lưu: VT",
              "Các phòng, đơn vị thuộc Sở; Lưu: VT"]
URGENCY = [("normal", 860), ("urgent", 100), ("very_urgent", 30), ("flash", 10)]
CONFIDENTIALITY = [("normal", 975), ("confidential", 20), ("secret", 5)]
IN_STATUS = [("registered", 15), ("assigned", 20), ("in_progress", 25), ("done", 40)]
OUT_STATUS = [("draft", 10), ("dispatched", 90)]
LEAD_DEPTS = [("QLVH", 35), ("QLDL", 25), ("QLTDTT", 15), ("XDNSVHGD", 10), ("VP", 15)]


def _cum(pairs):
    items, weights = zip(*pairs)
    total, acc = 0, []
    for w in weights:
        total += w
        acc.append(total)
    return list(items), acc


_TYPE_ITEMS, _TYPE_W = _cum([((c, a), w) for c, a, w in TYPES])
_ISSUER_ITEMS, _ISSUER_W = _cum([(i, i[3]) for i in ISSUERS])
_URG = _cum(URGENCY)
_CONF = _cum(CONFIDENTIALITY)
_IN_ST = _cum(IN_STATUS)
_OUT_ST = _cum(OUT_STATUS)
_LEAD = _cum(LEAD_DEPTS)


def _pick(rng: random.Random, table) -> object:
    items, cum = table
    return rng.choices(items, cum_weights=cum)[0]


# --- context: ids of the demo agency in the bench database -----------------------------

@dataclass
class Context:
    """Ids the generator needs from the database (demo agency + registers)."""

    organization_id: int
    staff: dict[str, int]                 # username -> staff id
    departments: dict[str, int]           # abbreviation -> department id
    registers: dict[tuple[str, int], int]  # (direction, year) -> register id
    seed: int = SEED

    @property
    def clerk(self) -> int:
        return self.staff["vanthu"]


def context_from_db(session, seed: int = SEED) -> Context:
    """Read the demo agency and create its default registers for every year."""
    from sqlalchemy import select
    from archive import registers
    from archive.models import Department, Organization, Staff
    org = session.scalar(select(Organization).order_by(Organization.id))
    staff = {s.username: s.id for s in session.scalars(
        select(Staff).where(Staff.organization_id == org.id))}
    depts = {d.abbreviation: d.id for d in session.scalars(
        select(Department).where(Department.organization_id == org.id))}
    regs = {}
    for year in range(START.year, END.year + 1):
        for direction in ("incoming", "outgoing"):
            regs[(direction, year)] = registers.get_or_create_default(
                session, org.id, direction, year, False).id
    session.commit()
    return Context(org.id, staff, depts, regs, seed)


# --- one document -------------------------------------------------------------------------

@dataclass
class RawDocument:
    """The generated document before analysis: its ``documents`` row (without
    the arrival number, which depends on the stream), readers and body text."""

    id: int
    row: dict
    department_id: int | None
    readers: tuple[int, ...]
    body: str
    rare: str | None = None
    typed_number: str = ""                # "123/QĐ-UBND" as a clerk types it
    extras: dict = field(default_factory=dict)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _vn_date(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


class _Values(dict):
    """Template values drawn only when the template uses them (generation speed)."""

    def __init__(self, rng: random.Random, year: int, dept_abbr: str):
        super().__init__(y=year, dept=dept_abbr)
        self.rng = rng

    def __missing__(self, key):
        r = self.rng.random
        pick = lambda seq: seq[int(r() * len(seq))]  # noqa: E731 - faster than choice()
        if key in ("subj", "subj2"):
            v = pick(SUBJECTS)
        elif key == "act":
            v = pick(ACTIONS)
        elif key in ("obj", "obj2"):
            v = pick(OBJECTS)
        elif key == "place":
            v = pick(PLACES)
        elif key == "q":
            v = pick(("I", "II", "III", "IV"))
        elif key in ("dd", "d", "mm"):
            day, month = 1 + int(r() * 28), 1 + int(r() * 12)
            self.update(dd=f"{day:02d}", mm=f"{month:02d}", d=f"{day:02d}/{month:02d}/{self['y']}")
            return self[key]
        elif key == "k":
            v = 12 + int(r() * 469)
        elif key == "k2":
            v = f"{2 + int(r() * 949)}.{int(r() * 1000):03d}"
        elif key == "p":
            v = 2 + int(r() * 34)
        elif key == "n":
            v = 1 + int(r() * 3500)
        elif key == "time":
            v = pick(TIMES).format_map(self)
        elif key == "time2":
            v = f"{7 + int(r() * 10)} giờ 00, ngày {self['dd']} tháng {self['mm']} năm {self['y']}"
        else:
            raise KeyError(key)
        self[key] = v
        return v


def _fill(rng: random.Random, template: str, year: int, dept_abbr: str) -> str:
    return template.format_map(_Values(rng, year, dept_abbr))


def _document_day(i: int, n: int) -> date:
    span = (END - START).days
    return START + timedelta(days=(i * span) // max(n, 1))


def raw_document(ctx: Context, i: int, n: int, with_body: bool = True) -> RawDocument:
    """Document number ``i`` (0-based) of a corpus of ``n``; its id is ``i + 1``.

    The body is drawn last, so ``with_body=False`` (the ``documents`` rows only)
    gives the same row, faster.
    """
    rng = random.Random(ctx.seed * 1_000_003 + i)
    day = _document_day(i, n)
    year = day.year
    incoming = rng.random() < 0.72
    code, type_abbr = _pick(rng, (_TYPE_ITEMS, _TYPE_W))
    lead = _pick(rng, _LEAD)
    dept_id = ctx.departments.get(lead)
    if incoming:
        issuer, abbr, units, _w = _pick(rng, (_ISSUER_ITEMS, _ISSUER_W))
        issued = day - timedelta(days=rng.randint(0, 12))
        arrival = day
        unit = rng.choice(units)
    else:
        issuer, abbr, unit = OWN_NAME, OWN_ABBR, OWN_UNITS[lead]
        issued, arrival = day, None
        if code in ("NQ", "TT", "ND"):
            code, type_abbr = "QD", "QĐ"
    number = str(rng.randint(1, 3200 if code == "CV" else 900))
    if code in ("NQ", "TT", "ND") or (code == "QD" and abbr == "UBND" and rng.random() < 0.25):
        number, notation = f"{number}/{issued.year}", f"{type_abbr}-{abbr}"
    elif code == "CV":
        notation = f"{abbr}-{unit}"
    else:
        notation = f"{type_abbr}-{abbr}"
    topic = rng.choice(TOPICS)
    rare = rng.choice(RARE) if rng.random() < 0.15 else None
    tail = rng.choice(TAILS).format(y=year, y1=year + 1)
    if rare and rng.random() < 0.3:
        tail = f"tại {rare}" if rare[0].isupper() else f"gắn với {rare}"
    subject = " ".join(p for p in (rng.choice(HEADS[code]), topic, tail) if p)
    if code == "CV" and not subject.startswith(("V/v", "Về")):
        subject = "V/v " + subject
    signer_pos = rng.choice(POSITIONS)
    signer = _name(rng)
    urgency = _pick(rng, _URG)
    conf = _pick(rng, _CONF)
    status = _pick(rng, _IN_ST if incoming else _OUT_ST)
    if incoming:
        creator = ctx.clerk
        readers = {ctx.clerk}
        if rng.random() < 0.85:
            readers.add(ctx.staff["giamdoc"] if rng.random() < 0.6 else ctx.staff["phogiamdoc"])
        head = {"QLVH": "truongphong.vh", "QLDL": "truongphong.dl"}.get(lead)
        spec = {"QLVH": "chuyenvien.vh", "QLDL": "chuyenvien.dl"}.get(lead)
        if head and status != "registered" and rng.random() < 0.8:
            readers.add(ctx.staff[head])
            if spec and rng.random() < 0.35:
                readers.add(ctx.staff[spec])
        if lead == "VP" and rng.random() < 0.5:
            readers.add(ctx.staff["chanhvanphong"])
    else:
        drafter = {"QLVH": "chuyenvien.vh", "QLDL": "chuyenvien.dl",
                   "VP": "chanhvanphong"}.get(lead, "truongphong.vh")
        if lead in ("QLVH", "QLDL") and rng.random() < 0.5:  # heads draft too
            drafter = drafter.replace("chuyenvien", "truongphong")
        creator = ctx.staff[drafter]
        readers = {creator, ctx.staff["giamdoc"], ctx.clerk}
    if not incoming and status == "draft":
        number, notation = None, None
    typed = f"{number}/{notation}" if number else ""
    doc_id = i + 1
    created = datetime.combine(day, dtime(1 + rng.randint(0, 9)), tzinfo=timezone.utc)
    row = {
        "id": doc_id, "organization_id": ctx.organization_id,
        "direction": "incoming" if incoming else "outgoing",
        "register_id": ctx.registers[("incoming" if incoming else "outgoing", year)],
        "arrival_number": None, "arrival_date": arrival,
        "code_number": number, "code_notation": notation,
        "issued_date": issued if number or incoming else None,
        "issuer_name": issuer, "issuer_organ_id": None, "document_type": code,
        "subject": subject[:500], "signer_position": signer_pos, "signer_name": signer,
        "page_count": rng.randint(1, 6), "urgency": urgency, "confidentiality": conf,
        "due_date": day + timedelta(days=15) if incoming and rng.random() < 0.3 else None,
        "recipients": None if incoming else rng.choice(RECIPIENTS),
        "channel": rng.choice(["paper", "email", "exchange"]) if incoming else "exchange",
        "notes": None, "language": "Tiếng Việt", "status": status, "dup_key": None,
        "subject_folded": "", "code_folded": "", "created_by_id": creator,
        "created_at": created,
    }
    if not with_body:
        return RawDocument(doc_id, row, dept_id, tuple(sorted(readers)), "", rare, typed)
    # body: what text extraction of the scan gives
    target = rng.randint(1500, 2500)
    parts = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
             issuer.upper(), f"Số: {typed}" if typed else "Số: /", f"Demo, {_vn_date(issued)}",
             subject]
    for legal in rng.sample(LEGAL, rng.randint(1, 3)):
        parts.append(_fill(rng, legal, year, lead) + ";")
    body_len = sum(len(p.encode()) + 1 for p in parts)
    rare_done = rare is None
    while body_len < target - 120:
        if not rare_done and rng.random() < 0.25:
            sentence = _fill(rng, rng.choice(RARE_SENTENCES).replace("{rare}", rare), year, lead)
            rare_done = True
        else:
            sentence = _fill(rng, rng.choice(SENTENCES), year, lead)
        parts.append(sentence[0].upper() + sentence[1:])
        body_len += len(sentence.encode()) + 1
    if not rare_done:
        parts.append(_fill(rng, rng.choice(RARE_SENTENCES).replace("{rare}", rare), year, lead))
    parts.append(_fill(rng, rng.choice(CLOSINGS), year, lead))
    parts.append(f"{signer_pos.upper()} {signer}")
    body = "\n".join(parts)
    return RawDocument(doc_id, row, dept_id, tuple(sorted(readers)), body, rare, typed)


def documents(ctx: Context, n: int, start: int = 0, stop: int | None = None,
              with_body: bool = True) -> Iterator[RawDocument]:
    """Documents ``start``..``stop`` of a corpus of ``n``, with their ``documents`` row
    complete (arrival numbers count per register from the first document)."""
    from archive.text import fold
    from workflows.incoming import code_key, duplicate_key
    stop = n if stop is None else stop
    counters: dict[int, int] = {}
    if start:  # arrival numbers of the skipped documents (cheap: no body generation)
        raise ValueError("streams always start at 0 (arrival numbers are sequential)")
    for i in range(start, stop):
        raw = raw_document(ctx, i, n, with_body)
        row = raw.row
        if row["direction"] == "incoming":
            counters[row["register_id"]] = counters.get(row["register_id"], 0) + 1
            row["arrival_number"] = counters[row["register_id"]]
        row["subject_folded"] = fold(row["subject"])
        row["code_folded"] = code_key(row["code_number"], row["code_notation"])
        row["dup_key"] = duplicate_key(SimpleNamespace(**row))
        yield raw


def index_entry(raw: RawDocument):
    """The ``IndexEntry`` of a generated document, built as ``entries.build_entries`` does."""
    from archive.search.analysis import analysed, number_form
    from archive.search.entries import body_text, meta_of, title_text
    from archive.search.index import IndexEntry
    doc = SimpleNamespace(**raw.row)
    title, body = title_text(doc), body_text(doc, [raw.body])
    return IndexEntry(document_id=raw.id, meta=meta_of(doc, raw.department_id),
                      readers=raw.readers, title=analysed(title), body=analysed(body),
                      xtitle=analysed(title, exact=True), xbody=analysed(body, exact=True),
                      number=number_form(doc.code_number, doc.code_notation))


def access_rows(raw: RawDocument) -> list[dict]:
    """``document_access`` rows (registration and routing grants)."""
    created = raw.row["created_at"]
    return [{"document_id": raw.id, "staff_id": s,
             "reason": "registered" if s == raw.row["created_by_id"] else "routed",
             "granted_at": created} for s in raw.readers]


def folded_text(raw: RawDocument) -> str:
    from archive.text import fold
    return fold(" ".join([raw.row["subject"], raw.row["issuer_name"] or "",
                          raw.row["signer_name"] or "", raw.row["signer_position"] or "",
                          raw.row["recipients"] or "", raw.body]))


if __name__ == "__main__":  # a look at a few documents and the frequency of some words
    from collections import Counter
    ctx = Context(1, {u: k for k, u in enumerate(
        ["vanthu", "chanhvanphong", "giamdoc", "phogiamdoc", "truongphong.vh", "chuyenvien.vh",
         "truongphong.dl", "chuyenvien.dl", "luutru", "quantri"], 1)},
        {a: k for k, a in enumerate(["VP", "QLVH", "QLDL", "QLTDTT", "XDNSVHGD"], 1)},
        {(d, y): k for k, (d, y) in enumerate(
            [(d, y) for y in range(START.year, END.year + 1) for d in ("incoming", "outgoing")])})
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    sizes, df = [], Counter()
    for k, raw in enumerate(documents(ctx, n)):
        sizes.append(len(raw.body.encode()))
        df.update(set(folded_text(raw).split()))
        if k < 3:
            print(raw.row["subject"], "|", raw.typed_number, "|", raw.readers)
            print(raw.body[:600], "...\n")
    print(f"{n} docs, body bytes avg {sum(sizes) / n:.0f} min {min(sizes)} max {max(sizes)}")
    print("most common syllables:", [(w, round(c / n, 2)) for w, c in df.most_common(40)])
