"""Django's session stores (`db`; `cached_db`, Redis in front of the database), keeping each
login's record (`LoginSession`) on the session's current key through every rotation, so the
person can end that session from elsewhere (Mijn account, "Sessies")."""

from ..models import LoginSession
from ..sessions import LOGIN_ID_KEY


class FollowsLogins:
    def cycle_key(self):
        super().cycle_key()
        login_id = self.get(LOGIN_ID_KEY)
        if login_id:
            LoginSession.objects.filter(login_id=login_id).update(session_key=self.session_key)
