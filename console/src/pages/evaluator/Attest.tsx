/** The evaluator attests payments (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Attest() {
  const { t } = useLang();
  usePageTitle(t.common.nav.attest);
  return <h1>{t.common.nav.attest}</h1>;
}
