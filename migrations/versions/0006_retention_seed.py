"""seed the retention catalogue with the common groups (to be confirmed)

The rows are the same as ``archive/retention_seed.py`` (a migration never
imports application code): the levels and example groups of DOMAIN §5.3, all
marked ``to_confirm`` because the legal text has not been checked yet.
Idempotent: a code already present (edited by the archivist, or seeded by
hand) is left alone. Downgrade removes the seeded codes that no file list
entry or case file uses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 03:15:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TO_CHECK = "TT 10/2022/TT-BNV (cần đối chiếu văn bản gốc)"
ACCOUNTING_TO_CHECK = "Luật Kế toán 2015 (cần đối chiếu văn bản gốc)"

# code, group, description, years (None = Vĩnh viễn), legal basis
ROWS = [
    ("VV-01", "Thành lập, sáp nhập, giải thể",
     "Quyết định và hồ sơ thành lập, sáp nhập, chia tách, giải thể cơ quan, tổ chức.",
     None, TO_CHECK),
    ("VV-02", "Kế hoạch, báo cáo công tác năm",
     "Kế hoạch, báo cáo công tác năm của cơ quan; hồ sơ hội nghị tổng kết.", None, TO_CHECK),
    ("VV-03", "Chế độ, chính sách, quy định",
     "Hồ sơ xây dựng, ban hành chế độ, chính sách, quy định chủ yếu do cơ quan ban hành.",
     None, TO_CHECK),
    ("VV-04", "Quy hoạch", "Hồ sơ xây dựng, phê duyệt quy hoạch.", None, TO_CHECK),
    ("VV-05", "Công trình, dự án trọng điểm",
     "Hồ sơ công trình, dự án trọng điểm, quan trọng quốc gia (ví dụ nhóm A).", None, TO_CHECK),
    ("VV-06", "Khen thưởng cấp nhà nước",
     "Hồ sơ khen thưởng các hình thức khen thưởng cấp nhà nước.", None, TO_CHECK),
    ("VV-07", "Tập lưu quyết định", "Tập lưu quyết định do cơ quan ban hành.", None, TO_CHECK),
    ("70-01", "Hồ sơ cán bộ, công chức, viên chức",
     "Hồ sơ gốc cán bộ, công chức, viên chức.", 70, TO_CHECK),
    ("50-01", "Sổ và tập lưu văn bản đi",
     "Sổ đăng ký văn bản đi; tập lưu văn bản đi về những vấn đề thông thường "
     "(mức thời hạn chưa chắc chắn).", 50, TO_CHECK),
    ("50-02", "Công trình xây dựng cơ bản nhóm B, C",
     "Hồ sơ công trình xây dựng cơ bản quy mô nhỏ (mức thời hạn chưa chắc chắn).", 50, TO_CHECK),
    ("20-01", "Điều lệ, quy chế làm việc",
     "Hồ sơ xây dựng, ban hành điều lệ tổ chức và hoạt động, quy chế làm việc "
     "(theo một giải đáp pháp luật trích Phụ lục I mục 3 TT 10/2022).", 20, TO_CHECK),
    ("20-02", "Sổ đăng ký văn bản đến", "Sổ đăng ký văn bản đến.", 20, TO_CHECK),
    ("20-03", "Báo cáo 6 tháng", "Báo cáo công tác 6 tháng.", 20, TO_CHECK),
    ("10-01", "Báo cáo quý, 9 tháng", "Báo cáo công tác quý, 9 tháng.", 10, TO_CHECK),
    ("10-02", "Hồ sơ hành chính thông thường",
     "Hồ sơ giải quyết các công việc hành chính thông thường.", 10, TO_CHECK),
    ("10-03", "Chứng từ kế toán", "Chứng từ kế toán sử dụng trực tiếp để ghi sổ kế toán.", 10,
     ACCOUNTING_TO_CHECK),
    ("05-01", "Công văn trao đổi thông thường",
     "Công văn trao đổi về những vấn đề thông thường.", 5, TO_CHECK),
    ("05-02", "Giấy mời", "Giấy mời họp, dự hội nghị, sự kiện.", 5, TO_CHECK),
    ("05-03", "Lịch công tác", "Lịch công tác tuần, tháng.", 5, TO_CHECK),
    ("05-04", "Báo cáo gửi để biết",
     "Báo cáo quý, tháng của đơn vị trực thuộc gửi để biết.", 5, TO_CHECK),
    ("05-05", "Biên bản họp thường kỳ", "Biên bản các cuộc họp thường kỳ.", 5, TO_CHECK),
]

periods = sa.table(
    "retention_periods", sa.column("id", sa.Integer), sa.column("code", sa.String),
    sa.column("group_name", sa.String), sa.column("description", sa.String),
    sa.column("years", sa.Integer), sa.column("legal_basis", sa.String),
    sa.column("effective_from", sa.Date), sa.column("to_confirm", sa.Boolean),
    sa.column("active", sa.Boolean), sa.column("updated_at", sa.DateTime(timezone=True)))


def upgrade():
    conn = op.get_bind()
    present = set(conn.execute(sa.select(periods.c.code)).scalars())
    now = datetime.now(timezone.utc)
    if conn.dialect.name == "sqlite":      # stored without offset, as the models do
        now = now.replace(tzinfo=None)
    missing = [{"code": code, "group_name": group, "description": description, "years": years,
                "legal_basis": basis, "effective_from": None, "to_confirm": True,
                "active": True, "updated_at": now}
               for code, group, description, years, basis in ROWS if code not in present]
    if missing:
        op.bulk_insert(periods, missing)


def downgrade():
    conn = op.get_bind()
    used = sa.union(sa.select(sa.column("retention_id")).select_from(
                        sa.table("file_list_entries", sa.column("retention_id"))),
                    sa.select(sa.column("retention_id")).select_from(
                        sa.table("case_files", sa.column("retention_id")))
                    .where(sa.column("retention_id").is_not(None)))
    conn.execute(periods.delete().where(periods.c.code.in_([r[0] for r in ROWS]),
                                        periods.c.id.not_in(used)))
