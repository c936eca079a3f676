/** Participant timelines by pseudonym (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Timelines() {
  const { t } = useLang();
  usePageTitle(t.common.nav.timelines);
  return <h1>{t.common.nav.timelines}</h1>;
}
