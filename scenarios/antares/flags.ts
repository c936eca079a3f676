import {
  type AntaresArithmetic,
  type AntaresFigures,
  type AntaresService,
  antaresArithmetic,
  antaresPublished,
} from './published.ts';

/**
 * Where the Antares A report's figures do not add up (or depart from the
 * plan), from the arithmetic alone: what a reader of the report can check
 * without any evidence. One check per flag, in the order they are listed.
 */

export interface AntaresFlag {
  readonly id: string;
  /** Plain English, with the numbers. */
  readonly message: string;
}

/** A check over the figures: the flags it raises (none, one, or one per item). */
type Check = (p: AntaresFigures, a: AntaresArithmetic) => AntaresFlag[];

const pct = (share: number) => `${Math.round(share * 100)}%`;

const servicesTotal: Check = (_p, a) =>
  a.servicesGap === 0
    ? []
    : [
        {
          id: 'services-total',
          message: `the nine service counts listed sum to ${a.servicesListed}, not the ${a.servicesReported} services reported (${Math.abs(a.servicesGap)} ${a.servicesGap > 0 ? 'more' : 'fewer'} listed than reported)`,
        },
      ];

const participantsScope: Check = (p, a) =>
  p.participants.total === p.pilot.enrolled
    ? []
    : [
        {
          id: 'participants-scope',
          message:
            `the breakdowns by sex, status and age cover ${p.participants.total} "participants of the project", not the ${p.pilot.enrolled} enrolled in the pilot` +
            (a.reached === p.participants.total
              ? `: ${p.participants.total} = ${p.survey.total} surveyed + ${p.meetings.total} at the two meetings + ${p.pilot.enrolled} in the pilot`
              : '') +
            `; ${a.staffStatuses} of them are civil servants, public-sector workers, NGO and business representatives (staff and partners, not people released from prison)`,
        },
      ];

const addictionTreatment: Check = (p, a) =>
  a.addictionTreatmentExpected === p.services['addiction-treatment']
    ? []
    : [
        {
          id: 'addiction-treatment',
          message: `addiction treatment: ${p.addictionTreatment.asked} asked and ${p.addictionTreatment.didNotFollowThrough} did not follow through, which leaves ${a.addictionTreatmentExpected}, but ${p.services['addiction-treatment']} are reported treated (${a.addictionTreatmentExpected} is the medical-referrals figure)`,
        },
      ];

const aged50Plus: Check = (p, a) => {
  const aged = p.participants.byStatus['aged-50-plus'];
  const oldest = p.participants.byAgeBand['59+'];
  if (!(aged <= oldest && a.statusSum === p.participants.total)) return [];
  return [
    {
      id: 'aged-50-plus',
      message: `status "aged 50 and over, of which" (${aged}) is no more than the 59+ age band alone (${oldest}), though the 46-58 band holds ${p.participants.byAgeBand['46-58']} people; the status table sums to exactly ${a.statusSum}, so it counts each person once, under one status, despite "of which"`,
    },
  ];
};

const tableSums: Check = (p, a) =>
  (
    [
      ['sex', a.sexSum],
      ['status', a.statusSum],
      ['age', a.ageSum],
    ] as const
  )
    .filter(([, total]) => total !== p.participants.total)
    .map(([name, total]) => ({
      id: `${name}-sum`,
      message: `the table by ${name} sums to ${total}, not the ${p.participants.total} participants it states`,
    }));

const socialPackage: Check = (p, a) =>
  a.socialPackageAsked <= p.pilot.enrolled
    ? []
    : [
        {
          id: 'social-package',
          message: `the social package was given to ${p.services['social-package']} and refused to ${p.socialPackageRefused.total}: ${a.socialPackageAsked} people, more than the ${p.pilot.enrolled} enrolled`,
        },
      ];

const education: Check = (p, a) =>
  a.educationSum === p.services.education
    ? []
    : [{ id: 'education', message: `education: the breakdown sums to ${a.educationSum}, not ${p.services.education}` }];

const enrolledVsPlan: Check = (p, a) =>
  p.pilot.enrolled === p.pilot.planned
    ? []
    : [
        {
          id: 'enrolled-vs-plan',
          message: `${p.pilot.enrolled} enrolled in the pilot against ${p.pilot.planned} planned (${pct(a.enrolledOfPlan)} of plan), while the report states "no deviations overall"`,
        },
      ];

const servicesVsPlan: Check = (p) =>
  (Object.entries(p.servicesPlanned) as [AntaresService, number][])
    .filter(([type, planned]) => p.services[type] !== planned)
    .map(([type, planned]) => ({
      id: `${type}-vs-plan`,
      message: `${type}: ${p.services[type]} served against ${planned} planned (${pct(p.services[type] / planned)} of plan); the report admits this one deviation`,
    }));

const CHECKS: readonly Check[] = [
  servicesTotal,
  participantsScope,
  addictionTreatment,
  aged50Plus,
  tableSums,
  socialPackage,
  education,
  enrolledVsPlan,
  servicesVsPlan,
];

/** The flags raised by a set of Antares figures (by default the published ones), in order. */
export function antaresFlags(p: AntaresFigures = antaresPublished): AntaresFlag[] {
  const a = antaresArithmetic(p);
  return CHECKS.flatMap((check) => check(p, a));
}
