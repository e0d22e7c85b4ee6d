from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/messages/", views.messages_partial, name="messages"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/customers/", views.customer_search, name="customer_search"),
    path("<int:pk>/link/", views.link_customer, name="link_customer"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/to-article/", views.to_article, name="to_article"),
    path("calls/", views.calls, name="calls"),
    path("calls/import/", views.calls_import, name="calls_import"),
    path("calls/<int:pk>/callback-done/", views.callback_done, name="callback_done"),
    path("screen-pop/", views.screen_pop, name="screen_pop"),
    path("stats/", views.stats_page, name="stats"),
]
