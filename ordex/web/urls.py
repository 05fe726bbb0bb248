from django.urls import path

from .views import account, case, incidents, notifications, queue, resolutions, rules, search

app_name = "web"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("cases/", queue.queue, name="cases"),
    path("cases/<int:case_id>/", case.case_page, name="case"),
    path("cases/<int:case_id>/reveal/", case.reveal, name="case-reveal"),
    path("cases/<int:case_id>/do/<slug:verb>/", case.act, name="case-act"),
    path("cases/<int:case_id>/actions/", resolutions.request_action, name="case-request-action"),
    path("cases/<int:case_id>/chargebacks/", resolutions.record_chargeback, name="case-chargeback"),
    path("actions/", resolutions.waiting_actions, name="waiting-actions"),
    path("actions/<int:action_id>/do/<slug:verb>/", resolutions.act_on_action, name="action-act"),
    path("search/", search.search, name="search"),
    path("incidents/", incidents.incidents, name="incidents"),
    path("incidents/<int:incident_id>/", incidents.incident_page, name="incident"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.read_notifications, name="read_notifications"),
    path("rules/", rules.rules, name="rules"),
    path("rules/<slug:code>/", rules.rule_edit, name="rule_edit"),
    path("login/", account.login, name="login"),
    path("logout/", account.logout, name="logout"),
    path("language/", account.language, name="language"),
]
