from django.urls import path

from summaries import views

urlpatterns = [
    path(
        "api/sessions/<uuid:session_id>/summaries",
        views.post_session_summary,
        name="session-summaries",
    ),
    path("api/ops/contracts", views.contracts_status, name="contracts-status"),
]
