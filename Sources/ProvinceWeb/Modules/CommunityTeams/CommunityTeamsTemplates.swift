/// The registry's page templates, kept with the module (the platform registers them beside the bundle's own).
enum CommunityTeamsTemplates {
    static let all: [String: String] = ["community-teams": report, "community-team": commune]

    static let report = """
        <h1>{{t.communityTeams}}</h1>
        <p>{{t.communityTeamsIntro}}</p>
        {{#page}}
        {{#hasProvinces}}
        <form method="get" action="/community-teams" class="search">
          <label for="province">{{t.province}}</label>
          <select id="province" name="province">{{#provinces}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/provinces}}</select>
          <button type="submit">{{t.show}}</button>
        </form>
        {{/hasProvinces}}
        {{^recorded}}<p id="nothing-recorded">{{t.noCommunityTeams}}</p>{{/recorded}}
        {{#total}}
        <dl class="facts" id="province-figures">
          <dt>{{t.communesWithTeam}}</dt><dd id="coverage">{{communesWithTeam}}/{{communes}}</dd>
          <dt>{{t.teamMembers}}</dt><dd id="members">{{members}}</dd>
          <dt>{{t.villageTeams}}</dt><dd id="village-teams">{{villageTeams}}</dd>
          <dt>{{t.villageMembers}}</dt><dd id="village-members">{{villageMembers}}</dd>
          <dt>{{t.trainings}}</dt><dd id="trainings">{{trainings}}</dd>
        </dl>
        {{/total}}
        {{#chart}}<figure class="chart">{{{chart}}}<figcaption>{{t.communityTeamsChart}}</figcaption></figure>{{/chart}}
        {{#hasLines}}
        <table id="by-district">
          <caption>{{t.byDistrict}}</caption>
          <thead><tr><th scope="col">{{t.area}}</th><th scope="col">{{t.communesWithTeam}}</th><th scope="col">{{t.teamMembers}}</th><th scope="col">{{t.villageTeams}}</th><th scope="col">{{t.villageMembers}}</th><th scope="col">{{t.trainings}}</th></tr></thead>
          <tbody>{{#lines}}<tr><th scope="row">{{name}}</th><td>{{communesWithTeam}}/{{communes}}</td><td>{{members}}</td><td>{{villageTeams}}</td><td>{{villageMembers}}</td><td>{{trainings}}</td></tr>{{/lines}}</tbody>
        </table>
        {{/hasLines}}
        {{#hasTeams}}
        <table id="teams">
          <caption>{{t.communeTeams}}</caption>
          <thead><tr><th scope="col">{{t.commune}}</th><th scope="col">{{t.area}}</th><th scope="col">{{t.teamMembers}}</th><th scope="col">{{t.villageTeams}}</th><th scope="col">{{t.villageMembers}}</th></tr></thead>
          <tbody>{{#teams}}<tr><th scope="row"><a href="/community-teams/{{unitID}}">{{commune}}</a></th><td>{{area}}</td><td>{{members}}</td><td>{{villageTeams}}</td><td>{{villageMembers}}</td></tr>{{/teams}}</tbody>
        </table>
        {{/hasTeams}}
        {{/page}}
        """

    static let commune = """
        {{#page}}
        <h1>{{t.communityTeam}} · {{commune}}</h1>
        <p><a href="/community-teams">{{t.communityTeams}}</a> · {{area}}</p>
        {{#saved}}<p class="notice" role="status">{{t.saved}}</p>{{/saved}}
        {{#refusal}}<div class="failure" role="alert" id="failure"><p>{{failure}}</p><ul>{{#fieldErrors}}<li>{{.}}</li>{{/fieldErrors}}</ul></div>{{/refusal}}
        {{#recorded}}
        <dl class="facts" id="team">
          <dt>{{t.teamMembers}}</dt><dd id="members">{{members}}</dd>
          <dt>{{t.villageTeams}}</dt><dd id="village-teams">{{villageTeams}}</dd>
          <dt>{{t.villageMembers}}</dt><dd id="village-members">{{villageMembers}}</dd>
          {{#leader}}<dt>{{t.teamLeader}}</dt><dd id="leader">{{leader}}</dd>{{/leader}}
          <dt>{{t.updatedAt}}</dt><dd>{{updatedAt}}</dd>
        </dl>
        {{/recorded}}
        {{^recorded}}<p id="no-team">{{t.noCommunityTeam}}</p>{{/recorded}}
        <h2>{{t.trainings}}</h2>
        {{#hasTrainings}}
        <table id="trainings">
          <thead><tr><th scope="col">{{t.heldOn}}</th><th scope="col">{{t.topic}}</th><th scope="col">{{t.participants}}</th></tr></thead>
          <tbody>{{#trainings}}<tr><td>{{heldOn}}</td><td>{{topic}}</td><td>{{participants}}</td></tr>{{/trainings}}</tbody>
        </table>
        {{/hasTrainings}}
        {{^hasTrainings}}<p>{{t.none}}</p>{{/hasTrainings}}
        {{#mayKeep}}
        <h2>{{t.recordTeam}}</h2>
        <form method="post" action="/community-teams/{{unitID}}" class="stacked" id="team-form">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          {{#team}}
          <label for="members-input">{{t.teamMembers}}</label>
          <input id="members-input" name="members" type="number" min="1" value="{{members}}" required>
          <label for="village-teams-input">{{t.villageTeams}}</label>
          <input id="village-teams-input" name="villageTeams" type="number" min="0" value="{{villageTeams}}" required>
          <label for="village-members-input">{{t.villageMembers}}</label>
          <input id="village-members-input" name="villageMembers" type="number" min="0" value="{{villageMembers}}" required>
          <label for="leader-input">{{t.teamLeader}}</label>
          <input id="leader-input" name="leader" value="{{leader}}" maxlength="200">
          {{/team}}
          <button type="submit">{{t.save}}</button>
        </form>
        {{#recorded}}
        <h2>{{t.recordTraining}}</h2>
        <form method="post" action="/community-teams/{{unitID}}/trainings" class="stacked" id="training-form">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          {{#training}}
          <label for="held-on">{{t.heldOn}}</label>
          <input id="held-on" name="heldOn" type="date" value="{{heldOn}}" required>
          <label for="topic">{{t.topic}}</label>
          <input id="topic" name="topic" value="{{topic}}" maxlength="300" required>
          <label for="participants">{{t.participants}}</label>
          <input id="participants" name="participants" type="number" min="1" value="{{participants}}" required>
          {{/training}}
          <button type="submit">{{t.save}}</button>
        </form>
        {{/recorded}}
        {{/mayKeep}}
        {{/page}}
        """
}
