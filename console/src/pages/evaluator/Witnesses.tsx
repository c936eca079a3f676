/** Witness status (to be built). */
import { usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';

export default function Witnesses() {
  const { t } = useLang();
  usePageTitle(t.common.nav.witnesses);
  return <h1>{t.common.nav.witnesses}</h1>;
}
