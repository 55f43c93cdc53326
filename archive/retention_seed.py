"""The seed lines of the retention catalogue (DOMAIN §5.2, §5.3).

Decision 28/2018 sets no retention periods; the periods of common records
come from Circular 10/2022/TT-BNV (and sector circulars). DOMAIN §5.3 lists
the usual levels (permanent, 70, 50, 20, 10, 5 years) with example groups
that are **not verified** against the circular's table ([B], one [S]), so
every line below is ``to_confirm=True`` with a legal basis that says so: the
archivist checks the text, corrects the line and ticks it confirmed in the
catalogue page. Nothing here is [V]; the effective date of each line is left
empty until the archivist reads it in the text.

The same rows are written literally into migration 0006 (migrations never
import application code); ``tests/integration/test_retention_catalogue.py``
checks that both say the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

TO_CHECK = "TT 10/2022/TT-BNV (cần đối chiếu văn bản gốc)"
ACCOUNTING_TO_CHECK = "Luật Kế toán 2015 (cần đối chiếu văn bản gốc)"


@dataclass(frozen=True)
class SeedLine:
    code: str
    group_name: str
    description: str
    years: int | None            # None = Vĩnh viễn
    legal_basis: str = TO_CHECK
    effective_from: date | None = None
    to_confirm: bool = True


RETENTION_SEED: tuple[SeedLine, ...] = (
    SeedLine("VV-01", "Thành lập, sáp nhập, giải thể",
             "Quyết định và hồ sơ thành lập, sáp nhập, chia tách, giải thể cơ quan, tổ chức.",
             None),
    SeedLine("VV-02", "Kế hoạch, báo cáo công tác năm",
             "Kế hoạch, báo cáo công tác năm của cơ quan; hồ sơ hội nghị tổng kết.", None),
    SeedLine("VV-03", "Chế độ, chính sách, quy định",
             "Hồ sơ xây dựng, ban hành chế độ, chính sách, quy định chủ yếu do cơ quan ban hành.",
             None),
    SeedLine("VV-04", "Quy hoạch", "Hồ sơ xây dựng, phê duyệt quy hoạch.", None),
    SeedLine("VV-05", "Công trình, dự án trọng điểm",
             "Hồ sơ công trình, dự án trọng điểm, quan trọng quốc gia (ví dụ nhóm A).", None),
    SeedLine("VV-06", "Khen thưởng cấp nhà nước",
             "Hồ sơ khen thưởng các hình thức khen thưởng cấp nhà nước.", None),
    SeedLine("VV-07", "Tập lưu quyết định",
             "Tập lưu quyết định do cơ quan ban hành.", None),
    SeedLine("70-01", "Hồ sơ cán bộ, công chức, viên chức",
             "Hồ sơ gốc cán bộ, công chức, viên chức.", 70),
    SeedLine("50-01", "Sổ và tập lưu văn bản đi",
             "Sổ đăng ký văn bản đi; tập lưu văn bản đi về những vấn đề thông thường "
             "(mức thời hạn chưa chắc chắn).", 50),
    SeedLine("50-02", "Công trình xây dựng cơ bản nhóm B, C",
             "Hồ sơ công trình xây dựng cơ bản quy mô nhỏ (mức thời hạn chưa chắc chắn).", 50),
    SeedLine("20-01", "Điều lệ, quy chế làm việc",
             "Hồ sơ xây dựng, ban hành điều lệ tổ chức và hoạt động, quy chế làm việc "
             "(theo một giải đáp pháp luật trích Phụ lục I mục 3 TT 10/2022).", 20),
    SeedLine("20-02", "Sổ đăng ký văn bản đến", "Sổ đăng ký văn bản đến.", 20),
    SeedLine("20-03", "Báo cáo 6 tháng", "Báo cáo công tác 6 tháng.", 20),
    SeedLine("10-01", "Báo cáo quý, 9 tháng", "Báo cáo công tác quý, 9 tháng.", 10),
    SeedLine("10-02", "Hồ sơ hành chính thông thường",
             "Hồ sơ giải quyết các công việc hành chính thông thường.", 10),
    SeedLine("10-03", "Chứng từ kế toán",
             "Chứng từ kế toán sử dụng trực tiếp để ghi sổ kế toán.", 10, ACCOUNTING_TO_CHECK),
    SeedLine("05-01", "Công văn trao đổi thông thường",
             "Công văn trao đổi về những vấn đề thông thường.", 5),
    SeedLine("05-02", "Giấy mời", "Giấy mời họp, dự hội nghị, sự kiện.", 5),
    SeedLine("05-03", "Lịch công tác", "Lịch công tác tuần, tháng.", 5),
    SeedLine("05-04", "Báo cáo gửi để biết",
             "Báo cáo quý, tháng của đơn vị trực thuộc gửi để biết.", 5),
    SeedLine("05-05", "Biên bản họp thường kỳ", "Biên bản các cuộc họp thường kỳ.", 5),
)
