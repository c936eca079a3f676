/** The evaluator evaluates a period (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Evaluate() {
  const { t } = useLang();
  usePageTitle(t.common.nav.evaluate);
  return <h1>{t.common.nav.evaluate}</h1>;
}
