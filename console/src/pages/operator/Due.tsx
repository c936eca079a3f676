/** What evidence is due (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function EvidenceDue() {
  const { t } = useLang();
  usePageTitle(t.common.nav.due);
  return <h1>{t.common.nav.due}</h1>;
}
