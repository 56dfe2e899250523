package auth

import "slices"

// Perm is something a role may do.
type Perm string

// The permissions routes ask for.
const (
	RoomsRead    Perm = "rooms.read"        // room list and state
	RoomsWrite   Perm = "rooms.write"       // create rooms, change owners
	RoomToken    Perm = "room.token"        // enrollment token for a (replaced) box
	AlertsRead   Perm = "alerts.read"       // alerts
	AlertsAct    Perm = "alerts.act"        // acknowledge and resolve
	Live         Perm = "live"              // live pictures and sound
	Recordings   Perm = "recordings"        // segments, timeline, playback, download, evidence
	AuditRead    Perm = "audit.read"        // the audit log
	MetricsRead  Perm = "metrics.read"      // /metrics
	SessionRead  Perm = "session.read"      // who am I
	UsersManage  Perm = "users.manage"      // people and tokens
	ProjectsRead Perm = "projects.read"     // entrustments and projects in scope
	EntrustMake  Perm = "entrust.make"      // a purchaser's entrustments: create, submit, review
	ProjectsWork Perm = "projects.work"     // an agency's work: intake, projects, timetables
	OnboardRead  Perm = "onboard.read"      // room acceptance applications and agency qualification in scope
	OnboardApply Perm = "onboard.apply"     // an agency admin applies for a room's acceptance, names the device specialist
	OnboardRun   Perm = "onboard.run"       // the platform operator assigns technicians and publishes the mark
	OnboardCheck Perm = "onboard.check"     // an assigned technician runs the acceptance
	ExamTake     Perm = "exam.take"         // agency staff take the qualification exam
	AwardsSign   Perm = "awards.sign"       // a purchaser confirms the result, makes, signs and files the contract
	ChallengeRd  Perm = "challenges.read"   // challenges and complaints in scope (a supplier's own)
	ChallengeAdd Perm = "challenges.file"   // a supplier files and follows its challenges and complaints
	ComplaintAct Perm = "complaints.decide" // the finance department reviews, pauses, suspends and decides complaints
)

// grants is each role's permissions. Evaluation is confidential (Order 87
// art. 66): live pictures and recordings are for regulators; a technician
// sees the live pictures of its rooms only while no session runs (the
// route checks that), and the operator runs the platform without seeing
// what is recorded.
var grants = map[Role][]Perm{
	Operator:    {SessionRead, RoomsRead, RoomsWrite, RoomToken, AlertsRead, AlertsAct, AuditRead, MetricsRead, UsersManage, ProjectsRead, OnboardRead, OnboardRun, ChallengeRd},
	Regulator:   {SessionRead, RoomsRead, AlertsRead, AlertsAct, Live, Recordings, AuditRead, ProjectsRead, OnboardRead, ChallengeRd, ComplaintAct},
	AgencyAdmin: {SessionRead, RoomsRead, AlertsRead, ProjectsRead, ProjectsWork, OnboardRead, OnboardApply, ExamTake, ChallengeRd},
	AgencyStaff: {SessionRead, RoomsRead, AlertsRead, ProjectsRead, ProjectsWork, OnboardRead, ExamTake, ChallengeRd},
	Purchaser:   {SessionRead, ProjectsRead, EntrustMake, AwardsSign, ChallengeRd},
	Supplier:    {SessionRead, ChallengeRd, ChallengeAdd},
	Expert:      {SessionRead},
	Technician:  {SessionRead, RoomsRead, RoomToken, AlertsRead, AlertsAct, Live, OnboardRead, OnboardCheck},
}

// Can reports whether the principal's role has perm.
func (p Principal) Can(perm Perm) bool { return slices.Contains(grants[p.Role], perm) }
