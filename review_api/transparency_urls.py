from django.urls import path

from . import transparency

urlpatterns = [
    path("statements/", transparency.StatementsView.as_view(), name="transparency-statements"),
    path("report/", transparency.ReportView.as_view(), name="transparency-report"),
    path("report/csv/", transparency.ReportCsvView.as_view(), name="transparency-report-csv"),
]
