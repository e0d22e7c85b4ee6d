from django.urls import path

from . import campaign_views, member_views, views

app_name = "loyalty"

urlpatterns = [
    path("rsvp/<str:token>/", views.rsvp_view, name="rsvp"),
    # staff pages
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaign_views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/approve/", campaign_views.campaign_approve, name="campaign-approve"),
    path("campaigns/<int:pk>/return/", campaign_views.campaign_return, name="campaign-return"),
    path("campaigns/<int:pk>/send/", campaign_views.campaign_send, name="campaign-send"),
    path("campaigns/<int:pk>/attendance/", campaign_views.campaign_attendance, name="campaign-attendance"),
    path("segments/", campaign_views.segment_list, name="segments"),
    path("segments/new/", campaign_views.segment_edit, name="segment-create"),
    path("segments/<int:pk>/", campaign_views.segment_edit, name="segment-edit"),
    path("segments/preview/", campaign_views.segment_preview, name="segment-preview"),
    path("segments/count/", campaign_views.segment_count, name="segment-count"),
    path("templates/", campaign_views.template_list, name="templates"),
    path("tiers/", member_views.tier_list, name="tiers"),
    path("referrals/", member_views.referral_list, name="referrals"),
    path("members/<int:pk>/", member_views.member, name="member"),
    path("members/<int:pk>/earn/", member_views.points_change, {"kind": "earn"}, name="points-earn"),
    path("members/<int:pk>/redeem/", member_views.points_change, {"kind": "redeem"}, name="points-redeem"),
    path("members/<int:pk>/tier/", member_views.tier_override, name="tier-override"),
]
