/** The operator's batch history (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function BatchHistory() {
  const { t } = useLang();
  usePageTitle(t.common.nav.history);
  return <h1>{t.common.nav.history}</h1>;
}
