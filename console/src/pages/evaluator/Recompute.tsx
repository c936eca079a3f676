/** Recompute an evaluation from a log export (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Recompute() {
  const { t } = useLang();
  usePageTitle(t.common.nav.recompute);
  return <h1>{t.common.nav.recompute}</h1>;
}
