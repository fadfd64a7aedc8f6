from django.urls import path

from . import views

urlpatterns = [
    path("units/<int:pk>/quality/", views.quality, name="unit_quality"),
    path("quality/<int:finding_pk>/follow-up/", views.finding_follow_up, name="finding_follow_up"),
    path("quality/<int:finding_pk>/resolve/", views.finding_resolve, name="finding_resolve"),
]
