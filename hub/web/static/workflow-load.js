// Loads what the signed-in role may see of the workflow, composing the
// hub's routes: lists of entrustments, projects and challenges, then each
// project's awards, each award's contract and each challenge's complaints.

import { call, paths } from './workflow-api.js';

// listOr answers [] where the role may not read a list (403), so a
// supplier, who sees no projects, still sees its challenges.
async function listOr(path) {
  try {
    return await call(path);
  } catch (e) {
    if (e.status === 403) return [];
    throw e;
  }
}

// loadAll returns {entrustments, projects, awards, contracts, challenges, complaints}.
export async function loadAll() {
  const [entrustments, projects, challenges] = await Promise.all([
    listOr(paths.entrustments), listOr(paths.projects), listOr(paths.challenges)]);
  const withAwards = projects.filter((p) => p.state === 'tendering' || p.state === 'evaluated');
  const awards = (await Promise.all(withAwards.map((p) => call(paths.awards(p.id))))).flat();
  const contracts = await Promise.all(awards.filter((a) => a.contract).map((a) => call(paths.contract(a.contract))));
  const complaints = await Promise.all(challenges.flatMap((c) => c.complaints || []).map((id) => call(paths.complaint(id))));
  return { entrustments, projects, awards, contracts, challenges, complaints };
}

// loadProject returns the project with its awards, contracts, challenges
// and complaints.
export async function loadProject(id) {
  const project = await call(paths.project(id));
  const [awards, challenges] = await Promise.all([call(paths.awards(id)), listOr(paths.challenges)]);
  const mine = challenges.filter((c) => c.project === project.id);
  const [contracts, complaints] = await Promise.all([
    Promise.all(awards.filter((a) => a.contract).map((a) => call(paths.contract(a.contract)))),
    Promise.all(mine.flatMap((c) => c.complaints || []).map((cid) => call(paths.complaint(cid))))]);
  return { project, awards, contracts, challenges: mine, complaints };
}
