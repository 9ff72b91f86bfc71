/** LTI 1.x roles (LTI 1.1 IG §A.2; TP certification section 3). */
import { parseRoles } from '../../../functions/lti12/roles';

const lis = 'urn:lti:role:ims/lis/';

describe('parseRoles', () => {
  it('answers no roles for a missing or empty parameter', () => {
    expect(parseRoles(undefined)).toEqual([]);
    expect(parseRoles('')).toEqual([]);
    expect(parseRoles(' , ,')).toEqual([]);
  });

  it('turns short context roles into URNs, sub-roles included', () => {
    expect(parseRoles('Instructor')).toEqual([`${lis}Instructor`]);
    expect(parseRoles('Learner,TeachingAssistant')).toEqual([`${lis}Learner`, `${lis}TeachingAssistant`]);
    expect(parseRoles('Learner/GuestLearner')).toEqual([`${lis}Learner/GuestLearner`]);
    expect(parseRoles(' ContentDeveloper , Mentor,Manager,Member,Administrator ')).toEqual(
      ['ContentDeveloper', 'Mentor', 'Manager', 'Member', 'Administrator'].map((role) => lis + role),
    );
  });

  it('keeps URNs as given (3.1-3.7)', () => {
    expect(parseRoles('urn:lti:role:ims/lis/Instructor')).toEqual([`${lis}Instructor`]);
    expect(parseRoles('urn:non:ims/something/Else,Instructor,urn:lti:instrole:ims/lis/Alumni')).toEqual([
      'urn:non:ims/something/Else',
      `${lis}Instructor`,
      'urn:lti:instrole:ims/lis/Alumni',
    ]);
    expect(parseRoles('urn:lti:sysrole:ims/lis/SysAdmin,urn:lti:instrole:ims/lis/Learner')).toEqual([
      'urn:lti:sysrole:ims/lis/SysAdmin',
      'urn:lti:instrole:ims/lis/Learner',
    ]);
  });

  it('keeps an unknown short role as it is rather than inventing a standard one (3.8)', () => {
    expect(parseRoles('NotALearner')).toEqual(['NotALearner']);
    expect(parseRoles('Learners')).toEqual(['Learners']);
  });
});
