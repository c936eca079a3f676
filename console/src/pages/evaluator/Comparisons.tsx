/** The evaluator publishes comparison figures (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Comparisons() {
  const { t } = useLang();
  usePageTitle(t.common.nav.comparisons);
  return <h1>{t.common.nav.comparisons}</h1>;
}
